import { io } from 'socket.io-client';
import {
  ChatAnswers,
  ConnectRefusal,
  DrainReason,
  ErrorCode,
  isRetryable,
  SessionEndReason,
  type Welcome,
} from '../protocol/index.js';
import { connectionRefused, Reconnects, type AttemptFailure } from './delivery/backoff.js';
import { watchedAgent } from './delivery/tcp-connect.js';
import { onServerEvent } from './listen.js';
import type { ChatClientOptions, ClientSocket, ConnectionState, Emit } from './types.js';

/** How a drain reads in the status line. */
const DRAIN_WORDS: Record<string, string> = {
  [DrainReason.Restart]: 'is restarting',
  [DrainReason.Shutdown]: 'is shutting down',
  [DrainReason.RedisLost]: 'lost its Redis connection',
};

/** A duration as the status line says it: `15 s`, `3 min 5 s`. */
function spoken(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}

/**
 * Shorter than this, a spell with no server answering is a blip of the move or restart that
 * began it (a balancer still routing to a stopped instance) and is said as that.
 */
export const OUTAGE_MIN_MS = 3000;

/**
 * The status line after a reconnect. No server answering for a while (a whole-cluster
 * outage) is said as such, whatever began it: "chat-3 is shutting down" would hide it.
 */
export function reconnectStatus(o: {
  /** Why the last connection went away ("chat-2 went away", "chat-3 is shutting down"). */
  lost: string;
  /** It went away because its instance drained (a planned move). */
  moved: boolean;
  /** Back on the same instance id with a new boot id. */
  replacement: boolean;
  instanceId: string;
  recovered: number;
  /** How long no server could be reached, if none could (every server tried failed). */
  unreachableMs: number | undefined;
  /** How many server URLs the client rotates through. */
  servers: number;
}): string {
  const target = o.replacement ? `${o.instanceId} (restarted)` : o.instanceId;
  const recovered = `${o.recovered} missed message${o.recovered === 1 ? '' : 's'} recovered`;
  if (o.unreachableMs !== undefined && o.unreachableMs >= OUTAGE_MIN_MS) {
    const none = o.servers > 1 ? 'no server reachable' : 'server unreachable';
    return `${none} for ${spoken(o.unreachableMs)}; back on ${target}; ${recovered}`;
  }
  const verb = o.moved ? (o.replacement ? 'back on' : 'moved to') : 'reconnected to';
  return `${o.lost}; ${verb} ${target}; ${recovered}`;
}

/** What the connection asks of the rest of the client. */
export interface ConnectionHooks {
  /** Registers the listeners for room traffic on a new socket. */
  listen(socket: ClientSocket): void;
  /** Resumes every room after a reconnect; resolves with the messages recovered. */
  resume(): Promise<number>;
  /** The session ended (`why`, as the state says it): no send will be answered or retried. */
  ended(why: string): void;
}

/** A server URL's host and port, as people name it (`127.0.0.1:7401`). */
function hostOf(server: string): string {
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}

/**
 * One session's connection: it opens a socket, reconnects on its own (rotating servers,
 * jittered backoff), moves at once when its instance drains, probes the round trip, and
 * tells the status line what happened when it is back.
 */
export class Connection {
  state: ConnectionState;
  welcome: Welcome | undefined;
  rttMs: number | undefined;
  /** Reconnects so far (successful ones). */
  reconnects = 0;
  /** The current socket, if one was opened. */
  socket: ClientSocket | undefined;
  /** Closed by its owner: it never opens again. */
  closed = false;
  /** Which server next, and after how long (rotating, jittered backoff). */
  private readonly next: Reconnects;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The current attempt's wait for its TCP connection (see `Reconnects.tcpTimeoutMs`). */
  private tcpTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  /** Why the last connection went away, for the status line after the next connect. */
  private lostReason: string | undefined;
  /** The last connection ended because its instance drained (a move, not a loss). */
  private moved = false;
  /** When the last connection was lost, and how many attempts since found no server. */
  private lostAt: number | undefined;
  private unanswered = 0;

  constructor(
    private readonly opts: Required<ChatClientOptions>,
    private readonly emit: Emit,
    private readonly hooks: ConnectionHooks,
  ) {
    this.next = new Reconnects(opts.servers, opts.backoffMinMs, opts.backoffMaxMs);
    this.state = { kind: 'connecting', server: this.server };
  }

  get server(): string {
    return this.next.server;
  }

  get connected(): boolean {
    return this.state.kind === 'connected';
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    this.emit('state', s);
  }

  open(): void {
    if (this.closed) return;
    this.retryTimer = undefined;
    const server = this.server;
    if (this.next.attempt === 0) this.setState({ kind: 'connecting', server });
    // Two waits (see `Reconnects.tcpTimeoutMs`): a short one for the TCP connection, which
    // a host that is up completes at once, and socket.io-client's own for the open after it,
    // which a busy server answers in its turn.
    let tcpTimer: NodeJS.Timeout | undefined;
    const secure = /^(https|wss):$/.test(new URL(server).protocol);
    const agent = watchedAgent(secure, () => clearTimeout(tcpTimer));
    const socket: ClientSocket = io(server, {
      transports: this.opts.transports,
      auth: { token: this.opts.token },
      reconnection: false,
      forceNew: true,
      timeout: this.next.openTimeoutMs,
      // engine.io-client hands `agent` to `ws` (and to its polling requests) as it is; its
      // type still says what a browser build takes.
      agent: agent as unknown as string,
    });
    this.socket = socket;
    const tcpMs = this.next.tcpTimeoutMs;
    clearTimeout(this.tcpTimer);
    this.tcpTimer = tcpTimer = setTimeout(() => {
      if (this.socket !== socket) return;
      this.discard(socket);
      this.unanswered++;
      // Skipped a while; no sign of a busy server: the open's wait does not grow.
      this.scheduleReconnect(`timeout (no TCP connection in ${spoken(tcpMs)})`, 'unanswered');
    }, tcpMs);

    socket.on('connect_error', (err: Error & { data?: unknown }) => {
      this.discard(socket);
      const refused = ConnectRefusal.safeParse(err.data);
      const code = refused.success ? refused.data.code : undefined;
      // No code: no server answered (refused, timed out), as opposed to one that said no.
      if (!code) this.unanswered++;
      if (code && !isRetryable(code)) {
        // A session that is over says why (its notice may never have reached this socket).
        const ended = refused.data?.ended;
        this.end(
          ended ?? (code === ErrorCode.Banned ? SessionEndReason.Banned : 'unauthorized'),
          err.message,
        );
        return;
      }
      if (code) {
        this.scheduleReconnect(code === ErrorCode.Draining ? 'instance draining' : err.message);
        return;
      }
      // socket.io-client's own wait for the open ran out (see `openTimeoutMs`).
      const timedOut = err.message === 'timeout';
      const refusedTcp = connectionRefused(err);
      // Why this attempt failed, in words, after why the connection was lost (if it was):
      // socket.io-client says only `websocket error`.
      const host = hostOf(this.server);
      const why = refusedTcp
        ? `nothing listens at ${host}`
        : timedOut
          ? `no answer from ${host} in time`
          : `cannot connect to ${host} (${err.message})`;
      this.scheduleReconnect(
        this.lostReason ? `${this.lostReason}; ${why}` : why,
        refusedTcp ? 'refused' : timedOut ? 'open timeout' : undefined,
      );
    });
    onServerEvent(socket, 'session:welcome', (w) => void this.onWelcome(w));
    this.hooks.listen(socket);
    onServerEvent(socket, 'server:draining', ({ instanceId, reason, reconnectWithinMs }) => {
      this.lostReason = `${instanceId} ${DRAIN_WORDS[reason] ?? 'is going away'}`;
      this.moved = true;
      this.lostAt ??= Date.now();
      this.discard(socket);
      // Spread the herd over the window the server gave; move to the next server.
      const failedAt = this.server;
      const inMs = this.next.drained(reconnectWithinMs);
      this.setState({
        kind: 'reconnecting',
        attempt: 1,
        inMs,
        reason: this.withNext(this.lostReason, failedAt),
      });
      this.retryTimer = setTimeout(() => this.open(), inMs);
    });
    onServerEvent(socket, 'session:ended', ({ reason, message }) => {
      this.end(reason, message ?? `session ended (${reason.replaceAll('_', ' ')})`);
    });
    socket.on('disconnect', (reason) => {
      if (this.closed || this.state.kind === 'ended') return;
      this.discard(socket);
      const was = this.welcome?.instanceId ?? 'the server';
      this.lostReason = `${was} went away`;
      this.moved = false;
      this.lostAt ??= Date.now();
      this.scheduleReconnect(reason);
    });
  }

  /** Stops listening to a socket and closes it (and its attempt's wait for TCP). */
  private discard(socket: ClientSocket): void {
    if (socket === this.socket) clearTimeout(this.tcpTimer);
    socket.removeAllListeners();
    socket.close();
  }

  /** `failure`: how the attempt failed, if it did (see `Reconnects.lost`). */
  private scheduleReconnect(reason: string, failure?: AttemptFailure): void {
    if (this.closed || this.state.kind === 'ended') return;
    clearInterval(this.pingTimer);
    const failedAt = this.server;
    const inMs = this.next.lost(failure);
    this.setState({
      kind: 'reconnecting',
      attempt: this.next.attempt,
      inMs,
      reason: this.withNext(reason, failedAt),
    });
    this.retryTimer = setTimeout(() => this.open(), inMs);
  }

  /**
   * Why the connection is down, and, when the next attempt goes to another server, which:
   * the header names the server being tried, the reason the one that failed.
   */
  private withNext(reason: string, failedAt: string): string {
    return this.server === failedAt ? reason : `${reason}; trying ${hostOf(this.server)} next`;
  }

  private end(reason: SessionEndReason | 'unauthorized' | 'closed', message: string): void {
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.socket) this.discard(this.socket);
    this.hooks.ended(message);
    this.setState({ kind: 'ended', reason, message });
  }

  private async onWelcome(w: Welcome): Promise<void> {
    const first = this.welcome === undefined;
    const before = this.welcome;
    this.welcome = w;
    this.next.connected();
    // Every server was tried and none answered: an outage, however it began.
    const outage =
      this.unanswered >= this.opts.servers.length && this.lostAt !== undefined
        ? Date.now() - this.lostAt
        : undefined;
    const lost = this.lostReason ?? 'connection lost';
    const moved = this.moved;
    this.lostReason = undefined;
    this.moved = false;
    this.lostAt = undefined;
    this.unanswered = 0;
    // The resume starts before anyone hears of the connection: it marks the rooms it has
    // to join again, so a send made on the news waits for its room (see Resume.isRejoining).
    const resumed = first ? undefined : this.hooks.resume();
    this.setState({
      kind: 'connected',
      server: this.server,
      instanceId: w.instanceId,
      bootId: w.bootId,
    });
    this.startPing();
    if (!resumed) return;
    this.reconnects++;
    const recovered = await resumed;
    // A drain is planned: the client moved; anything else is a reconnect after a loss. Back
    // on the same id with a new boot id is the restarted instance itself, said as such.
    const replacement = before?.instanceId === w.instanceId && before.bootId !== w.bootId;
    this.emit(
      'status',
      reconnectStatus({
        lost,
        moved,
        replacement,
        instanceId: w.instanceId,
        recovered,
        unreachableMs: outage,
        servers: this.opts.servers.length,
      }),
    );
  }

  private startPing(): void {
    clearInterval(this.pingTimer);
    if (this.opts.pingEveryMs <= 0) return;
    const probe = (): void => {
      const socket = this.socket;
      if (!socket?.connected) return;
      const t = performance.now();
      socket.timeout(this.opts.ackTimeoutMs).emit('sys:ping', { t: Date.now() }, (err, res) => {
        if (err || !ChatAnswers['sys:ping'].safeParse(res).success || !res.ok) return;
        this.rttMs = Math.round((performance.now() - t) * 10) / 10;
        this.emit('rtt', this.rttMs);
      });
    };
    probe();
    this.pingTimer = setInterval(probe, this.opts.pingEveryMs);
    this.pingTimer.unref();
  }

  /**
   * The socket whose next `emitWithAck` waits `ackTimeoutMs` for its ack. `timeout()` types
   * every ack as `(err, res)`, and 4.8's `emitWithAck` then types the answer `unknown`; the
   * promise resolves with the answer alone either way, so the plain event map types it.
   */
  timed(socket: ClientSocket): ClientSocket {
    return socket.timeout(this.opts.ackTimeoutMs);
  }

  requireSocket(): ClientSocket {
    if (!this.socket?.connected)
      throw Object.assign(new Error('not connected'), { code: ErrorCode.Unavailable });
    return this.socket;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.socket) this.discard(this.socket);
    this.setState({ kind: 'ended', reason: 'closed', message: 'closed' });
  }
}
