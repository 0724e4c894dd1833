/**
 * How long to wait before reconnect attempt `attempt` (1 for the first after a loss): the
 * first comes within `minMs` (a herd of clients that lost one instance spreads over that
 * window), later ones double from `minMs` up to `maxMs`, each jittered down to half.
 */
export function reconnectDelayMs(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  if (attempt <= 1) return Math.floor(random() * minMs);
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt - 1, 10));
  return Math.floor(base * (0.5 + random() / 2));
}

/**
 * How long an attempt waits for its TCP connection. A host that is up completes it at once,
 * however busy its server (the kernel's accept queue answers), and TCP's own retries of a lost
 * SYN (after 1 s and 3 s) fit in it, so a short wait is enough to leave a host that does not
 * answer at all (a partition) soon for the next. It does not grow: waiting longer on a host
 * that did not answer only delays the move to one that does.
 */
export const TCP_TIMEOUT_MS = 5000;

/**
 * How long an attempt waits for the server to open the transport, from its start
 * (socket.io-client's `timeout`, whose default this is). Under a herd the survivors answer
 * upgrades late, not never: an attempt given up too soon still costs the survivor the upgrade
 * when it gets to it (the request is in its accept queue), and its retry starts again at the
 * back, so a connected attempt waits its turn. Each attempt in a row that ran out of it doubles
 * the next one's, up to {@link OPEN_TIMEOUT_MAX_MS}.
 */
export const OPEN_TIMEOUT_MIN_MS = 20_000;
/** See {@link OPEN_TIMEOUT_MIN_MS}. */
export const OPEN_TIMEOUT_MAX_MS = 60_000;

/**
 * A server that refused a connection or whose host did not answer is skipped this long
 * (while others are left to try).
 */
export const UNREACHABLE_SKIP_MS = 30_000;

/**
 * How a connection attempt failed, as far as the next one cares: `refused` (nothing listens
 * there: a dead instance), `unanswered` (its host did not complete the TCP connection within
 * {@link TCP_TIMEOUT_MS}: a partition, a host that is down), `open timeout` (the host answered
 * but the server did not open the transport within {@link Reconnects.openTimeoutMs}: a busy
 * server). Anything else (a drop, a server that said no for now) is just lost.
 */
export type AttemptFailure = 'refused' | 'unanswered' | 'open timeout';

/**
 * Whether a failed connection attempt was refused by the host (nothing listens on the port)
 * rather than unanswered or turned down by a server: the error's own code, or its message, or
 * that of the error it wraps (socket.io-client's `description`, ws's `error`).
 */
export function connectionRefused(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === 'ECONNREFUSED') return true;
    if (typeof message === 'string' && message.includes('ECONNREFUSED')) return true;
    const inner = e as { description?: unknown; error?: unknown };
    e = inner.description ?? inner.error;
  }
  return typeof err === 'string' && err.includes('ECONNREFUSED');
}

/** How long to wait before moving off a draining instance: anywhere in the window it gave. */
export function drainDelayMs(withinMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.max(withinMs, 1));
}

/**
 * Where and when a client connects next: it rotates through its servers on every loss (one
 * URL behind a balancer is typical) and backs off while attempts keep failing; a welcome
 * starts the delays over. The caller owns the timer: this only says how long.
 *
 * It starts on the first server given; the others come in an order of its own (shuffled
 * once), so the clients of an instance that dies spread over the survivors instead of all
 * moving to the next URL of the list they share (a herd of thousands on one instance).
 */
export class Reconnects {
  /** Attempts since the last welcome (0 while connected or before the first loss). */
  attempt = 0;
  /** Attempts in a row that gave up waiting for the server's open (see {@link openTimeoutMs}). */
  private timeouts = 0;
  private index = 0;
  private readonly servers: readonly string[];
  /** Servers that refused a connection or did not answer: skipped until then. */
  private readonly downUntil = new Map<number, number>();

  constructor(
    servers: readonly string[],
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    if (servers.length === 0) throw new Error('a client needs at least one server URL');
    const [first, ...others] = servers;
    // Fisher-Yates over the others.
    for (let i = others.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [others[i], others[j]] = [others[j]!, others[i]!];
    }
    this.servers = [first!, ...others];
  }

  /** The server to connect to now. */
  get server(): string {
    return this.servers[this.index]!;
  }

  /**
   * The connection failed or dropped (see {@link AttemptFailure}): the next server, after this
   * many ms. A server that refused the connection or did not answer is skipped for
   * {@link UNREACHABLE_SKIP_MS} while another one is left to try: after a crash the clients of
   * the dead instance stop coming back to it every few attempts, and a partitioned one stops
   * costing them the TCP wait. When every server is skipped they take turns again, so an
   * instance that was refusing is retried soon after it is back even while the others stay
   * unreachable. An `open timeout` (the host answered, the server did not open in time; in the
   * load tester also no CONNECT answer) makes the next attempt wait longer
   * ({@link openTimeoutMs}); a host that did not answer is no sign of a busy server.
   */
  lost(failure?: AttemptFailure): number {
    if (failure === 'refused' || failure === 'unanswered') {
      this.downUntil.set(this.index, this.now() + UNREACHABLE_SKIP_MS);
    }
    this.timeouts = failure === 'open timeout' ? this.timeouts + 1 : 0;
    this.attempt++;
    this.advance();
    return reconnectDelayMs(this.attempt, this.minMs, this.maxMs, this.random);
  }

  /**
   * The instance is draining (a planned move, not a loss): the next server, within the window
   * it gave, counted as the first attempt.
   */
  drained(withinMs: number): number {
    this.attempt = 1;
    this.timeouts = 0;
    this.advance();
    return drainDelayMs(withinMs, this.random);
  }

  /**
   * The next server in this client's order that is not skipped: the same one again if it is
   * the only one left, the next one if all are skipped.
   */
  private advance(): void {
    const n = this.servers.length;
    const now = this.now();
    for (let k = 1; k <= n; k++) {
      const i = (this.index + k) % n;
      if ((this.downUntil.get(i) ?? 0) <= now) {
        this.index = i;
        return;
      }
    }
    this.index = (this.index + 1) % n;
  }

  /** How long the next attempt waits for its TCP connection: {@link TCP_TIMEOUT_MS}. */
  get tcpTimeoutMs(): number {
    return TCP_TIMEOUT_MS;
  }

  /**
   * How long the next attempt waits for the transport to open: {@link OPEN_TIMEOUT_MIN_MS},
   * doubled for each attempt in a row that timed out, up to {@link OPEN_TIMEOUT_MAX_MS}.
   */
  get openTimeoutMs(): number {
    return Math.min(OPEN_TIMEOUT_MAX_MS, OPEN_TIMEOUT_MIN_MS * 2 ** Math.min(this.timeouts, 8));
  }

  /** Welcomed: the next loss starts the delays (and the open's wait) over. */
  connected(): void {
    this.attempt = 0;
    this.timeouts = 0;
  }
}
