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
  private index = 0;
  private readonly servers: readonly string[];

  constructor(
    servers: readonly string[],
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
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
    return this.servers[this.index % this.servers.length]!;
  }

  /** The connection failed or dropped: the next server, after this many ms. */
  lost(): number {
    this.attempt++;
    this.index++;
    return reconnectDelayMs(this.attempt, this.minMs, this.maxMs, this.random);
  }

  /**
   * The instance is draining (a planned move, not a loss): the next server, within the window
   * it gave, counted as the first attempt.
   */
  drained(withinMs: number): number {
    this.attempt = 1;
    this.index++;
    return drainDelayMs(withinMs, this.random);
  }

  /** Welcomed: the next loss starts the delays over. */
  connected(): void {
    this.attempt = 0;
  }
}
