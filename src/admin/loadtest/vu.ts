import { randomBytes } from 'node:crypto';
import {
  ChatMessage,
  ErrorCode,
  HISTORY_PAGE_MAX,
  compareIds,
  isRetryable,
  type ErrorBody,
} from '../../protocol/index.js';
import {
  DrainingEvent,
  PageAnswer,
  SendAnswer,
  SessionEndedEvent,
  WelcomeEvent,
  unavailable,
  type Page,
} from './answers.js';
import { messageText, nowMs, sentAtOf } from './clock.js';
import { RoomCursor } from './cursor.js';
import { recordMs, type Histogram } from './histogram.js';
import type { SentRef, VuSpec } from './messages.js';
import { SeqFlags } from './seq-flags.js';
import { WireSocket } from './wire.js';

/** What every virtual user of a worker shares: its histograms and its running counts. */
export interface VuSink {
  latency: Histogram;
  connect: Histogram;
  /** Acknowledged sends, by room, in the order they were acknowledged. */
  sent: Map<string, SentRef[]>;
  counts: { sent: number; sendFailed: number; delivered: number; duplicated: number };
  errors: Map<string, number>;
}

export interface VuTally {
  expected: number;
  delivered: number;
  lost: number;
}

const ACK_TIMEOUT_MS = 5000;
const BACKOFF_MIN_MS = 300;
const BACKOFF_MAX_MS = 5000;
/** Live messages kept while the first join is being answered (they may be owed). */
const EARLY_MAX = 1000;
/** A hole is asked about again at most this often while it stays open. */
const HOLE_RETRY_MS = 1000;
const SHOWN = 1;
const LIVE = 2;

/**
 * A virtual user in one room, speaking the chat protocol (src/protocol) over its own
 * WebSocket (`wire.ts`). It does what the TUI's client does for delivery, and no more:
 * reconnects on its own (jittered backoff, rotating servers), moves at once when its instance
 * drains, resumes its room from the last message it holds without gaps (and asks again when
 * a hole shows), retries unacknowledged sends with the same client id. What it leaves out is
 * for screens: the window of messages, unread counts, members, typing, event listeners.
 *
 * Every message it is shown is remembered (by epoch and seq): every message after the last id the first
 * join answered (`base`) is owed to it, live or through a resume; one delivered live twice
 * is a duplicate (one also in a resume page is not: that overlap is how a resume works).
 */
export class VirtualUser {
  joined = false;
  failed = false;
  /** Successful reconnects so far. */
  reconnects = 0;
  /** Where it is connected now (the welcome's instance id). */
  instanceId: string | undefined;
  private sock: WireSocket | undefined;
  private welcomed = false;
  /** This socket is in the room (its join answered): only then are sends accepted. */
  private inRoom = false;
  private ended = false;
  private everWelcomed = false;
  private attempt = 0;
  private serverIndex = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private sendTimer: NodeJS.Timeout | undefined;
  private sendRetries = 0;
  private readonly cursor = new RoomCursor();
  /**
   * What this user was shown of each owed message, by epoch and seq: SHOWN, and LIVE once it
   * was delivered live. A seq is one message within an epoch (the server's contract, which
   * the resume relies on too).
   */
  private readonly shown = new Map<string, SeqFlags>();
  private shownEpoch: string | undefined;
  private shownNow: SeqFlags | undefined;
  /** Messages after this id are owed to this user ('0-0': the room was empty). */
  private base: string | undefined;
  private early: ChatMessage[] = [];
  /** Sends not acknowledged yet, by client id: their text, and whether one is on the wire. */
  private readonly pending = new Map<string, { text: string; inFlight: boolean }>();
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private nextMsg = 0;
  /** The socket a resume is under way on, and whether another was asked for meanwhile. */
  private resumingOn: WireSocket | undefined;
  private again: { join: boolean } | undefined;
  private holeAskedAt = 0;
  private startedAt = 0;
  private onJoined: ((err?: Error) => void) | undefined;
  private lastReason = 'timeout';

  constructor(
    readonly spec: VuSpec,
    private readonly servers: readonly string[],
    private readonly sink: VuSink,
  ) {}

  get connected(): boolean {
    return this.welcomed && !this.ended;
  }

  private count(reason: string): void {
    this.sink.errors.set(reason, (this.sink.errors.get(reason) ?? 0) + 1);
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
      this.count(err instanceof Error ? err.message : String(err));
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
    this.inRoom = false;
    const server = this.servers[this.serverIndex % this.servers.length]!;
    const sock: WireSocket = new WireSocket(
      server,
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
    );
    this.sock = sock;
  }

  private reconnect(reason: string, inMs?: number): void {
    if (this.ended) return;
    this.lastReason = reason;
    this.welcomed = false;
    this.inRoom = false;
    this.sock?.close();
    this.sock = undefined;
    this.attempt++;
    this.serverIndex++;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(this.attempt - 1, 10));
    const delay =
      inMs ??
      (this.attempt === 1
        ? Math.floor(Math.random() * BACKOFF_MIN_MS)
        : Math.floor(base * (0.5 + Math.random() / 2)));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private end(message: string): void {
    this.close();
    this.onJoined?.(new Error(message));
  }

  private onEvent(sock: WireSocket, name: string, payload: unknown): void {
    switch (name) {
      case 'message:created': {
        const m = ChatMessage.safeParse(payload);
        if (m.success) this.onLive(sock, m.data);
        else this.count('malformed message:created');
        return;
      }
      case 'session:welcome': {
        const w = WelcomeEvent.safeParse(payload);
        if (!w.success) {
          this.count('malformed session:welcome');
          return;
        }
        this.onWelcome(sock, w.data.instanceId);
        return;
      }
      case 'server:draining': {
        const d = DrainingEvent.safeParse(payload);
        // Spread the herd over the window the server gave; move to the next server.
        const within = d.success ? Math.max(d.data.reconnectWithinMs, 1) : 1000;
        this.attempt = 0;
        this.reconnect('instance draining', Math.floor(Math.random() * within));
        return;
      }
      case 'session:ended': {
        const e = SessionEndedEvent.safeParse(payload);
        this.end(`session ended (${e.success ? e.data.reason : 'unknown'})`);
        return;
      }
      case 'sync:required':
        // The instance may have missed live messages: resume the room.
        if (this.joined) void this.resume(sock);
        return;
      default:
        // presence, typing, notices, direct conversations: for screens, not counted.
        return;
    }
  }

  private onWelcome(sock: WireSocket, instanceId: string): void {
    this.welcomed = true;
    this.instanceId = instanceId;
    this.attempt = 0;
    if (!this.everWelcomed) {
      this.everWelcomed = true;
      recordMs(this.sink.connect, performance.now() - this.startedAt);
    } else this.reconnects++;
    if (this.base === undefined) void this.firstJoin(sock);
    else void this.resume(sock, true);
  }

  /** The first join: what it answers is history; everything after it is owed. */
  private async firstJoin(sock: WireSocket): Promise<void> {
    const res = await this.page(sock, 'room:join', { room: this.spec.room });
    if (this.sock !== sock || this.ended) return;
    if (!res.ok) {
      // Unavailable: asked again shortly (or by the next welcome). Anything else is final.
      if (res.error.code !== ErrorCode.Unavailable) this.end(res.error.message);
      else if (this.connected) this.retryTimer = setTimeout(() => void this.firstJoin(sock), 500);
      return;
    }
    const page = res.data;
    this.inRoom = true;
    this.cursor.adoptEpoch(page.epoch);
    this.cursor.setBase(page.messages[0]?.seq ?? (page.lastSeq ?? 0) + 1);
    this.base = page.messages[page.messages.length - 1]?.id ?? '0-0';
    for (const m of page.messages) this.take(m, false);
    // Live messages that came before the answer: those after the base are owed.
    const early = this.early;
    this.early = [];
    for (const m of early) this.take(m, true);
    if (page.hasMore) await this.resume(sock);
    this.onJoined?.();
  }

  /**
   * Resumes the room from the last message held (after a reconnect, a hole, or the server's
   * request): the join's answer and as many history pages as follow, then the sends still
   * owed. One at a time; a reconnect meanwhile starts its own.
   */
  private async resume(sock: WireSocket, join = false): Promise<void> {
    if (this.resumingOn === sock) {
      this.again = { join: (this.again?.join ?? false) || join };
      return;
    }
    // One on an older socket may still be unwinding: it stops at its next step.
    this.resumingOn = sock;
    this.again = undefined;
    try {
      await this.catchUp(sock, join);
    } finally {
      if (this.resumingOn === sock) this.resumingOn = undefined;
    }
    if (this.sock !== sock) return;
    // Set by calls made while this one awaited (TypeScript narrowed it to undefined above).
    const again = this.again as { join: boolean } | undefined;
    this.again = undefined;
    if (again) void this.resume(sock, again.join);
    else if (!this.inRoom) {
      // The join after a reconnect went unanswered on a live socket: ask again shortly.
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.resume(sock, true), 500);
    } else this.retrySends();
  }

  /**
   * One resume from the last message held: after a reconnect the join's answer (the new
   * socket is not in the room yet), otherwise a history read; then pages while there are more.
   */
  private async catchUp(sock: WireSocket, join: boolean): Promise<void> {
    let since = this.cursor.resumeFrom();
    for (let n = 0; n < 1000; n++) {
      const epoch = this.cursor.epoch !== undefined ? { epoch: this.cursor.epoch } : {};
      const payload = { room: this.spec.room, since, ...epoch };
      const res =
        join && n === 0
          ? await this.page(sock, 'room:join', payload)
          : await this.page(sock, 'room:history', { ...payload, limit: HISTORY_PAGE_MAX });
      if (this.sock !== sock || !res.ok) return;
      const page = res.data;
      if (join && n === 0) this.inRoom = true;
      if (this.cursor.adoptEpoch(page.epoch)) {
        this.cursor.setBase(page.messages[0]?.seq ?? (page.lastSeq ?? 0) + 1);
      }
      const first = page.messages[0];
      if (page.truncated && first) this.cursor.skipTo(first.seq);
      for (const m of page.messages) this.take(m, false);
      const last = page.messages[page.messages.length - 1];
      if (!page.hasMore || !last) return;
      since = last.id;
    }
  }

  private async page(
    sock: WireSocket,
    event: 'room:join' | 'room:history',
    payload: { room: string; since?: string; epoch?: string; limit?: number },
  ): Promise<{ ok: true; data: Page } | { ok: false; error: ErrorBody }> {
    let raw: unknown;
    try {
      raw = await sock.request(event, payload, ACK_TIMEOUT_MS);
    } catch (err) {
      return unavailable((err as Error).message);
    }
    const res = PageAnswer.safeParse(raw);
    if (res.success) return res.data;
    this.count(`malformed ${event} answer`);
    return unavailable(`malformed ${event} answer`);
  }

  private onLive(sock: WireSocket, m: ChatMessage): void {
    if (m.room !== this.spec.room) return;
    if (this.base === undefined) {
      if (this.early.length < EARLY_MAX) this.early.push(m);
      return;
    }
    if (m.epoch !== undefined && this.cursor.epoch !== undefined && m.epoch !== this.cursor.epoch) {
      // The room's history was reset on the server: counted as shown, and the room resumed
      // (the answer carries the new epoch and starts the cursor over).
      this.show(m, true);
      void this.resume(sock);
      return;
    }
    this.take(m, true);
    if (this.cursor.hasHole() && this.resumingOn === undefined) {
      const now = Date.now();
      if (now - this.holeAskedAt >= HOLE_RETRY_MS) {
        this.holeAskedAt = now;
        void this.resume(sock);
      }
    }
  }

  /** A message from the server, live or in a page: its place in the room, then the user. */
  private take(m: ChatMessage, isLive: boolean): void {
    // One of ours whose ack was lost on the way: it was stored, and this is its id.
    if (m.clientMsgId !== undefined && this.pending.size > 0 && m.from === this.spec.user)
      this.acked(m.clientMsgId, { id: m.id, seq: m.seq, epoch: this.epochOf(m) });
    this.cursor.take(m.seq, m.id);
    this.show(m, isLive);
  }

  private show(m: ChatMessage, isLive: boolean): void {
    // History shown again (a repeated join, a resume) is not a duplicate: only messages owed
    // to the user (after its base) count, and each of those must be shown once.
    if (this.base === undefined || compareIds(m.id, this.base) <= 0) return;
    const shown = this.flagsOf(this.epochOf(m));
    const flags = shown.get(m.seq);
    if (isLive) {
      if (flags & LIVE) {
        this.sink.counts.duplicated++;
        return;
      }
      shown.add(m.seq, LIVE | SHOWN);
    } else if (!flags) shown.add(m.seq, SHOWN);
    if (flags & SHOWN) return;
    const sentAt = sentAtOf(m.text);
    if (sentAt === undefined) return;
    this.sink.counts.delivered++;
    recordMs(this.sink.latency, nowMs() - sentAt);
  }

  /** Sends one timestamped message; false when this user cannot send now. */
  send(): boolean {
    if (!this.joined || !this.connected || !this.inRoom) return false;
    const clientMsgId = `${this.idPrefix}${(this.nextMsg++).toString(36)}`;
    this.pending.set(clientMsgId, { text: messageText(nowMs()), inFlight: false });
    void this.transmit(clientMsgId);
    return true;
  }

  private async transmit(clientMsgId: string): Promise<void> {
    const out = this.pending.get(clientMsgId);
    const sock = this.sock;
    if (!out || out.inFlight || !sock || !this.connected || !this.inRoom) return;
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
      this.sendRetries = 0;
      const { id, seq, epoch } = res.data.data;
      this.acked(clientMsgId, { id, seq, epoch });
      return;
    }
    const code = res.success && !res.data.ok ? res.data.error.code : ErrorCode.Unavailable;
    if (
      code === ErrorCode.Unavailable ||
      code === ErrorCode.RateLimited ||
      code === ErrorCode.Draining
    ) {
      // Kept, and sent again with the same client id (after a resume, or after a delay).
      if (this.sock === sock && this.connected) this.scheduleSendRetry();
      return;
    }
    this.pending.delete(clientMsgId);
    this.sink.counts.sendFailed++;
    this.count(`send rejected: ${code}`);
  }

  /** A message's epoch: its own, or (from a server that leaves it out) the room's. */
  private epochOf(m: ChatMessage): string {
    return m.epoch ?? this.cursor.epoch ?? '';
  }

  private flagsOf(epoch: string): SeqFlags {
    if (epoch === this.shownEpoch && this.shownNow) return this.shownNow;
    let flags = this.shown.get(epoch);
    if (!flags) this.shown.set(epoch, (flags = new SeqFlags()));
    this.shownEpoch = epoch;
    this.shownNow = flags;
    return flags;
  }

  private acked(clientMsgId: string, ref: SentRef): void {
    if (!this.pending.delete(clientMsgId)) return;
    this.sink.counts.sent++;
    const list = this.sink.sent.get(this.spec.room);
    if (list) list.push(ref);
    else this.sink.sent.set(this.spec.room, [ref]);
  }

  /** While connected, failed sends are tried again with a growing delay (1 s up to 15 s). */
  private scheduleSendRetry(): void {
    if (this.sendTimer || this.ended) return;
    const delay = Math.min(15_000, 1000 * 2 ** this.sendRetries++);
    this.sendTimer = setTimeout(() => {
      this.sendTimer = undefined;
      this.retrySends();
    }, delay);
  }

  private retrySends(): void {
    if (!this.connected) return;
    for (const id of this.pending.keys()) void this.transmit(id);
  }

  /** Sends still waiting for an acknowledgement (it retries them itself). */
  get unacked(): number {
    return this.pending.size;
  }

  /** Messages of `sent` (the room's acknowledged ids, in id order) this user still lacks. */
  missing(sent: readonly SentRef[]): number {
    if (!this.joined || this.base === undefined) return 0;
    let n = 0;
    for (let i = firstAfter(sent, this.base); i < sent.length; i++) {
      const { seq, epoch } = sent[i]!;
      if (!((this.shown.get(epoch)?.get(seq) ?? 0) & SHOWN)) n++;
    }
    return n;
  }

  tally(sent: readonly SentRef[]): VuTally {
    if (!this.joined || this.base === undefined) return { expected: 0, delivered: 0, lost: 0 };
    const expected = sent.length - firstAfter(sent, this.base);
    const lost = this.missing(sent);
    return { expected, delivered: expected - lost, lost };
  }

  close(): void {
    this.ended = true;
    this.welcomed = false;
    clearTimeout(this.retryTimer);
    clearTimeout(this.sendTimer);
    this.sock?.close();
    this.sock = undefined;
  }
}

/** Index of the first id in `sorted` newer than `base`. */
function firstAfter(sorted: readonly SentRef[], base: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareIds(sorted[mid]!.id, base) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
