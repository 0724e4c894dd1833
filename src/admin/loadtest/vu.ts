import { ChatMessage, ErrorCode, isRetryable, ServerEvents } from '../../protocol/index.js';
import {
  connectionRefused,
  Reconnects,
  type AttemptFailure,
} from '../../client/delivery/backoff.js';
import { recordMs } from './histogram.js';
import type { SentRef, VuSpec } from './messages.js';
import { VuRoom } from './room.js';
import { Sends } from './sends.js';
import { countError, type VuSink, type VuTally } from './sink.js';
import { CONNECT_TIMED_OUT, OPEN_TIMED_OUT, TCP_TIMED_OUT, WireSocket } from './wire.js';

export type { VuSink, VuTally } from './sink.js';

const BACKOFF_MIN_MS = 300;
const BACKOFF_MAX_MS = 5000;

/** How a wire socket's failure reads to the reconnect schedule (`Reconnects.lost`). */
function failureOf(reason: string): AttemptFailure | undefined {
  if (connectionRefused(reason)) return 'refused';
  if (reason === TCP_TIMED_OUT) return 'unanswered';
  if (reason === OPEN_TIMED_OUT || reason === CONNECT_TIMED_OUT) return 'open timeout';
  return undefined;
}

/**
 * A virtual user in one room, speaking the chat protocol (src/protocol) over its own
 * WebSocket (`wire.ts`). It does what the TUI's client does for delivery, with the same
 * delivery core (`src/client/delivery`), and no more: reconnects on its own (jittered
 * backoff, rotating servers), moves at once when its instance drains, resumes its room from
 * the last message it holds without gaps (`room.ts`, and asks again when a hole shows),
 * retries unacknowledged sends with the same client id (`sends.ts`), and checks it was shown
 * every message owed to it (`ledger.ts`). What it leaves out is for screens: the window of
 * messages, unread counts, members, typing, event listeners.
 *
 * This file is its connection: open, welcome, the server's events, reconnect, end.
 */
export class VirtualUser {
  joined = false;
  failed = false;
  /** Successful reconnects so far. */
  reconnects = 0;
  /** Where it is connected now (the welcome's instance id). */
  instanceId: string | undefined;
  /** It lost its connection at least once after joining. */
  dropped = false;
  /** When its connection was lost (after joining), until its room is resumed on a new one. */
  private awaySince: number | undefined;
  sock: WireSocket | undefined;
  private welcomed = false;
  private ended = false;
  private everWelcomed = false;
  private readonly next: Reconnects;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly sends: Sends;
  private readonly room: VuRoom;
  private startedAt = 0;
  private onJoined: ((err?: Error) => void) | undefined;
  private lastReason = 'timeout';

  constructor(
    readonly spec: VuSpec,
    servers: readonly string[],
    private readonly sink: VuSink,
  ) {
    this.next = new Reconnects(servers, BACKOFF_MIN_MS, BACKOFF_MAX_MS);
    this.sends = new Sends(this, spec, sink);
    this.room = new VuRoom(this, spec, sink, this.sends);
  }

  get connected(): boolean {
    return this.welcomed && !this.ended;
  }

  /** The socket to send on: connected, and in the room. */
  get sendVia(): WireSocket | undefined {
    return this.connected && this.room.inRoom ? this.sock : undefined;
  }

  /**
   * Connects and joins within `timeoutMs`, as a person would: a join cut short by a lost
   * connection is tried again once the client is back. A failure is counted by its reason.
   */
  async start(timeoutMs: number): Promise<void> {
    this.startedAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.onJoined = (err) => (err ? reject(err) : resolve());
        timer = setTimeout(
          () => reject(new Error(`timeout (${this.lastReason})`)),
          Math.max(0, timeoutMs),
        );
        this.open();
      });
      this.joined = true;
    } catch (err) {
      this.failed = true;
      countError(this.sink, err instanceof Error ? err.message : String(err));
      this.close();
    } finally {
      clearTimeout(timer);
      this.onJoined = undefined;
    }
  }

  /** Liveness of its socket; the worker calls it about once a second. */
  check(now: number): void {
    this.sock?.check(now);
  }

  private open(): void {
    if (this.ended) return;
    this.retryTimer = undefined;
    this.welcomed = false;
    this.room.left();
    const sock: WireSocket = new WireSocket(
      this.next.server,
      { token: this.spec.token },
      {
        connected: () => undefined,
        refused: (message, code) => {
          if (this.sock !== sock) return;
          if (code && !isRetryable(code)) this.end(message);
          else this.reconnect(code === ErrorCode.Draining ? 'instance draining' : message);
        },
        event: (name, payload) => {
          if (this.sock === sock) this.onEvent(sock, name, payload);
        },
        closed: (reason) => {
          if (this.sock === sock) this.reconnect(reason);
        },
      },
      this.next.tcpTimeoutMs,
      this.next.openTimeoutMs,
    );
    this.sock = sock;
  }

  /** Connects again: after a backoff, or within `drainWithinMs` when the instance drained. */
  private reconnect(reason: string, drainWithinMs?: number): void {
    if (this.ended) return;
    if (this.awaySince !== undefined) {
      // An attempt made while away that failed: how the outage grew.
      this.sink.retries.set(reason, (this.sink.retries.get(reason) ?? 0) + 1);
    } else if (this.joined) {
      this.awaySince = performance.now();
      this.dropped = true;
      const from = this.instanceId ?? 'unknown';
      this.sink.lostFrom.set(from, (this.sink.lostFrom.get(from) ?? 0) + 1);
      const why = `${from}: ${reason}`;
      this.sink.lostWhy.set(why, (this.sink.lostWhy.get(why) ?? 0) + 1);
    }
    this.lastReason = reason;
    this.welcomed = false;
    this.room.left();
    this.sock?.close();
    this.sock = undefined;
    const delay =
      drainWithinMs === undefined
        ? this.next.lost(failureOf(reason))
        : this.next.drained(drainWithinMs);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  end(message: string): void {
    this.close();
    this.onJoined?.(new Error(message));
  }

  joinedRoom(): void {
    this.onJoined?.();
  }

  /** Its room is resumed: an outage, if it was away, ends here. */
  resumed(): void {
    if (this.awaySince === undefined) return;
    recordMs(this.sink.resume, performance.now() - this.awaySince);
    this.awaySince = undefined;
  }

  /** Its connection is lost and its room not yet resumed. */
  get away(): boolean {
    return this.awaySince !== undefined;
  }

  private onEvent(sock: WireSocket, name: string, payload: unknown): void {
    switch (name) {
      case 'message:created': {
        const m = ChatMessage.safeParse(payload);
        if (m.success) this.room.live(sock, m.data);
        else countError(this.sink, 'malformed message:created');
        return;
      }
      case 'session:welcome': {
        const w = ServerEvents['session:welcome'].safeParse(payload);
        if (!w.success) {
          countError(this.sink, 'malformed session:welcome');
          return;
        }
        this.onWelcome(sock, w.data.instanceId);
        return;
      }
      case 'server:draining': {
        const d = ServerEvents['server:draining'].safeParse(payload);
        // Spread the herd over the window the server gave; move to the next server.
        this.reconnect('instance draining', d.success ? d.data.reconnectWithinMs : 1000);
        return;
      }
      case 'session:ended': {
        const e = ServerEvents['session:ended'].safeParse(payload);
        this.end(`session ended (${e.success ? e.data.reason : 'unknown'})`);
        return;
      }
      case 'sync:required':
        // The instance may have missed live messages: resume the room.
        this.room.sync(sock);
        return;
      default:
        // presence, typing, notices, direct conversations: for screens, not counted.
        return;
    }
  }

  private onWelcome(sock: WireSocket, instanceId: string): void {
    this.welcomed = true;
    this.instanceId = instanceId;
    this.next.connected();
    if (!this.everWelcomed) {
      this.everWelcomed = true;
      recordMs(this.sink.connect, performance.now() - this.startedAt);
    } else this.reconnects++;
    this.room.welcomed(sock);
  }

  /** Sends one timestamped message; false when this user cannot send now. */
  send(): boolean {
    return this.joined && this.sends.send();
  }

  /** Sends still waiting for an acknowledgement (it retries them itself). */
  get unacked(): number {
    return this.sends.unacked;
  }

  /** Messages of `sent` (the room's acknowledged ids, in id order) this user still lacks. */
  missing(sent: readonly SentRef[]): number {
    return this.joined ? this.room.ledger.missing(sent) : 0;
  }

  tally(sent: readonly SentRef[]): VuTally {
    return this.joined ? this.room.ledger.tally(sent) : { expected: 0, delivered: 0, lost: 0 };
  }

  close(): void {
    this.ended = true;
    this.welcomed = false;
    clearTimeout(this.retryTimer);
    this.room.left();
    this.sends.stop();
    this.sock?.close();
    this.sock = undefined;
  }
}
