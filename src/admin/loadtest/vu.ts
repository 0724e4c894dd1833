import { ChatClient } from '../../client/chat-client.js';
import { ErrorCode, compareIds, type ChatMessage } from '../../protocol/index.js';
import { messageText, nowMs, sentAtOf } from './clock.js';
import { recordMs, type Histogram } from './histogram.js';
import type { VuSpec } from './messages.js';

/** What every virtual user of a worker shares: its histograms and its running counts. */
export interface VuSink {
  latency: Histogram;
  connect: Histogram;
  /** Acknowledged sends, by room, in the order they were acknowledged. */
  sent: Map<string, string[]>;
  counts: { sent: number; sendFailed: number; delivered: number; duplicated: number };
  errors: Map<string, number>;
}

export interface VuTally {
  expected: number;
  delivered: number;
  lost: number;
}

/**
 * A virtual user: the same ChatClient the TUI drives, in one room. It remembers every
 * message id it was shown (by room), and the last id it already had when it joined: every
 * message after that one is one it must receive, live or through a resume.
 */
export class VirtualUser {
  readonly client: ChatClient;
  joined = false;
  failed = false;
  /** Every owed id shown to this user; a second showing is a duplicate. */
  private readonly seen = new Set<string>();
  /** Messages after this id are owed to this user ('0-0': the room was empty). */
  private base: string | undefined;
  private readonly pending = new Set<string>();
  private capturing = false;

  constructor(
    readonly spec: VuSpec,
    server: string,
    private readonly sink: VuSink,
  ) {
    this.client = new ChatClient({
      servers: [server],
      token: spec.token,
      // The TUI's latency probe is left out: it would add load the report does not measure.
      pingEveryMs: 0,
      backoffMaxMs: 5000,
      // A virtual user checks deliveries by id in its own set: its room keeps only what a
      // screen would show, or a long run would measure the load tester's memory and GC.
      roomWindow: 100,
    });
    this.client.on('message', (m) => this.onMessage(m));
    this.client.on('outgoing', (o) => {
      if (this.capturing && o.state === 'pending') this.pending.add(o.clientMsgId);
      if (!this.pending.has(o.clientMsgId)) return;
      if (o.state === 'sent' && o.id) {
        this.pending.delete(o.clientMsgId);
        this.sink.counts.sent++;
        const list = this.sink.sent.get(o.room) ?? [];
        list.push(o.id);
        this.sink.sent.set(o.room, list);
      } else if (o.state === 'rejected') {
        this.pending.delete(o.clientMsgId);
        this.sink.counts.sendFailed++;
        this.count(`send rejected: ${o.error?.code ?? 'unknown'}`);
      }
    });
  }

  private count(reason: string): void {
    this.sink.errors.set(reason, (this.sink.errors.get(reason) ?? 0) + 1);
  }

  /** Resolves when the client is connected (again); rejects if its session ended. */
  private connectedAgain(): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const off = this.client.on('state', (s) => {
        if (s.kind === 'connected') {
          off();
          resolve();
        } else if (s.kind === 'ended') {
          off();
          reject(new Error(s.message));
        }
      });
    });
  }

  /**
   * Connects and joins within `timeoutMs`, as a person would: a join cut short by a lost
   * connection is tried again once the client is back. A failure is counted by its reason.
   */
  async start(timeoutMs: number): Promise<void> {
    const started = performance.now();
    const deadlineAt = Date.now() + timeoutMs;
    let lastReason = 'timeout';
    const offState = this.client.on('state', (s) => {
      if (s.kind === 'reconnecting') lastReason = s.reason;
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no connection in ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.client.connect(), deadline]);
      recordMs(this.sink.connect, performance.now() - started);
      for (;;) {
        try {
          const room = await Promise.race([this.client.join(this.spec.room), deadline]);
          // Owed: everything after what the join answered. Messages that arrived live before
          // this line ran (same socket read as the answer) were ignored then: count them now.
          this.base = room.joinedAfter ?? '0-0';
          for (const m of room.messages) this.onMessage(m);
          break;
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code !== ErrorCode.Unavailable || Date.now() >= deadlineAt) throw err;
          await Promise.race([this.connectedAgain(), deadline]);
        }
      }
      this.joined = true;
    } catch (err) {
      this.failed = true;
      const msg = err instanceof Error ? err.message : String(err);
      this.count(msg.startsWith('no connection') ? `timeout (${lastReason})` : msg);
      this.client.close();
    } finally {
      clearTimeout(timer);
      offState();
    }
  }

  /** Sends one timestamped message; false when this user cannot send now. */
  send(): boolean {
    if (!this.joined || !this.client.connected) return false;
    // The client announces the new message (state pending) synchronously inside send():
    // that is where its clientMsgId is learnt.
    this.capturing = true;
    const done = this.client.send(this.spec.room, messageText(nowMs()));
    this.capturing = false;
    void done;
    return true;
  }

  private onMessage(m: ChatMessage): void {
    if (m.room !== this.spec.room) return;
    // History shown again by a repeated join is not a duplicate: only messages owed to the
    // user (after its base) count, and each of those must be shown exactly once.
    const owed = this.base !== undefined && compareIds(m.id, this.base) > 0;
    if (!owed) return;
    if (this.seen.has(m.id)) {
      this.sink.counts.duplicated++;
      return;
    }
    this.seen.add(m.id);
    const sentAt = sentAtOf(m.text);
    if (sentAt === undefined) return;
    this.sink.counts.delivered++;
    recordMs(this.sink.latency, nowMs() - sentAt);
  }

  /** Sends still waiting for an acknowledgement (the client retries them itself). */
  get unacked(): number {
    return this.pending.size;
  }

  /** Messages of `sent` (the room's acknowledged ids, in id order) this user still lacks. */
  missing(sent: readonly string[]): number {
    if (!this.joined || this.base === undefined) return 0;
    let n = 0;
    for (let i = firstAfter(sent, this.base); i < sent.length; i++) {
      if (!this.seen.has(sent[i]!)) n++;
    }
    return n;
  }

  tally(sent: readonly string[]): VuTally {
    if (!this.joined || this.base === undefined) return { expected: 0, delivered: 0, lost: 0 };
    const expected = sent.length - firstAfter(sent, this.base);
    const lost = this.missing(sent);
    return { expected, delivered: expected - lost, lost };
  }
}

/** Index of the first id in `sorted` newer than `base`. */
function firstAfter(sorted: readonly string[], base: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareIds(sorted[mid]!, base) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
