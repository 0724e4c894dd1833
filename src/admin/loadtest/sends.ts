import { randomBytes } from 'node:crypto';
import { ChatAnswers, ErrorCode, type ChatMessage } from '../../protocol/index.js';
import { isSendRetryable, SendRetry } from '../../client/delivery/send-retry.js';
import { messageText, nowMs } from './clock.js';
import type { VuSpec } from './messages.js';
import { countError, type VuSink } from './sink.js';
import type { WireSocket } from './wire.js';

const ACK_TIMEOUT_MS = 5000;
const SendAnswer = ChatAnswers['message:send'];

/** What the sends need of their virtual user. */
export interface SendPath {
  /** The socket to send on: connected, and in the room. Undefined when sending cannot be. */
  readonly sendVia: WireSocket | undefined;
}

/**
 * A virtual user's sends: each carries a client id chosen once, so one that failed (or whose
 * ack was lost) is sent again as the same message and the server stores it once (the rule
 * and the delays are the delivery core's, as in the TUI's outbox). A send is done when it is
 * acknowledged, or when the message comes back with its client id first.
 */
export class Sends {
  /** Sends not acknowledged yet, by client id: their text, and whether one is on the wire. */
  private readonly pending = new Map<string, { text: string; inFlight: boolean }>();
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private nextMsg = 0;
  /** Made at the first failure: most users never need one. */
  private retry: SendRetry | undefined;

  constructor(
    private readonly path: SendPath,
    private readonly spec: VuSpec,
    private readonly sink: VuSink,
  ) {}

  /** Sends one timestamped message; false when it cannot be sent now. */
  send(): boolean {
    if (!this.path.sendVia) return false;
    const clientMsgId = `${this.idPrefix}${(this.nextMsg++).toString(36)}`;
    this.pending.set(clientMsgId, { text: messageText(nowMs()), inFlight: false });
    void this.transmit(clientMsgId);
    return true;
  }

  private async transmit(clientMsgId: string): Promise<void> {
    const out = this.pending.get(clientMsgId);
    const sock = this.path.sendVia;
    if (!out || out.inFlight || !sock) return;
    out.inFlight = true;
    let raw: unknown;
    try {
      raw = await sock.request(
        'message:send',
        { room: this.spec.room, text: out.text, clientMsgId, kind: 'text' },
        ACK_TIMEOUT_MS,
      );
    } catch {
      raw = undefined;
    }
    out.inFlight = false;
    if (!this.pending.has(clientMsgId)) return; // our message came back live first
    const res = SendAnswer.safeParse(raw);
    if (res.success && res.data.ok) {
      this.retry?.succeeded();
      const { id, seq, epoch } = res.data.data;
      this.acked(clientMsgId, id, seq, epoch);
      return;
    }
    const code = res.success && !res.data.ok ? res.data.error.code : ErrorCode.Unavailable;
    if (isSendRetryable(code)) {
      // Kept, and sent again with the same client id (after a resume, or after a delay).
      if (this.path.sendVia === sock)
        (this.retry ??= new SendRetry(() => this.retryAll())).schedule();
      return;
    }
    this.pending.delete(clientMsgId);
    this.sink.counts.sendFailed++;
    countError(this.sink, `send rejected: ${code}`);
  }

  /** A message of the room came back: if it is one of ours, it was stored (its ack may be lost). */
  echoed(m: ChatMessage, epoch: string): void {
    if (m.clientMsgId !== undefined && this.pending.size > 0 && m.from === this.spec.user)
      this.acked(m.clientMsgId, m.id, m.seq, epoch);
  }

  private acked(clientMsgId: string, id: string, seq: number, epoch: string): void {
    if (!this.pending.delete(clientMsgId)) return;
    this.sink.counts.sent++;
    const ref = { id, seq, epoch };
    const list = this.sink.sent.get(this.spec.room);
    if (list) list.push(ref);
    else this.sink.sent.set(this.spec.room, [ref]);
  }

  /** Sends again every send still owed (same client ids: the server stores each once). */
  retryAll(): void {
    if (!this.path.sendVia) return;
    for (const id of this.pending.keys()) void this.transmit(id);
  }

  /** Sends still waiting for an acknowledgement (they are retried). */
  get unacked(): number {
    return this.pending.size;
  }

  stop(): void {
    this.retry?.stop();
  }
}
