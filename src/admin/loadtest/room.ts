import { ChatAnswers, ErrorCode, type ChatMessage, type Result } from '../../protocol/index.js';
import {
  catchUp,
  readPage,
  type Page,
  type PageEvent,
  type PageHost,
  type PageRequest,
} from '../../client/delivery/pages.js';
import { SeqCursor } from '../../client/delivery/seq-cursor.js';
import { Ledger } from './ledger.js';
import type { VuSpec } from './messages.js';
import type { Sends } from './sends.js';
import { countError, type VuSink } from './sink.js';
import type { WireSocket } from './wire.js';

const ACK_TIMEOUT_MS = 5000;
/** Live messages kept while the first join is being answered (they may be owed). */
const EARLY_MAX = 1000;
/** A hole is asked about again at most this often while it stays open. */
const HOLE_RETRY_MS = 1000;
/** A join that went unanswered on a live socket is asked again after this long. */
const ASK_AGAIN_MS = 500;

/** What the room needs of its virtual user's connection. */
export interface RoomLink {
  /** The current socket: an answer that comes on another one is too late. */
  readonly sock: WireSocket | undefined;
  readonly connected: boolean;
  /** The first join is done (the user started). */
  readonly joined: boolean;
  /** The join could not be made (refused for good): the user gives up. */
  end(message: string): void;
  /** The first join is done: the user is in its room. */
  joinedRoom(): void;
  /** A resume is done: the user is in its room again, with every message it lacked asked for. */
  resumed(): void;
}

/**
 * A virtual user's room, kept whole by the delivery core (`src/client/delivery`), as the
 * TUI's client keeps its rooms: the first join sets the base, live messages are placed by
 * seq, a hole or a reconnect resumes from the last message held (in pages, the same rule),
 * and what it was shown goes to the {@link Ledger}.
 */
export class VuRoom implements PageHost<SeqCursor, WireSocket> {
  readonly cursor = new SeqCursor();
  readonly ledger: Ledger;
  /** This socket is in the room (its join answered): only then are sends accepted. */
  inRoom = false;
  private early: ChatMessage[] = [];
  /** The socket a resume is under way on, and whether another was asked for meanwhile. */
  private resumingOn: WireSocket | undefined;
  private again: { join: boolean } | undefined;
  private holeAskedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: RoomLink,
    private readonly spec: VuSpec,
    private readonly sink: VuSink,
    private readonly sends: Sends,
  ) {
    this.ledger = new Ledger(sink);
  }

  /** A (new) socket was welcomed: the first join, or a resume that joins again. */
  welcomed(sock: WireSocket): void {
    if (this.ledger.base === undefined) void this.firstJoin(sock);
    else void this.resume(sock, true);
  }

  /** The server asked for a resume (it may have missed live messages). */
  sync(sock: WireSocket): void {
    if (this.link.joined) void this.resume(sock);
  }

  /** The socket went away: the room is joined again on the next one. */
  left(): void {
    this.inRoom = false;
    clearTimeout(this.timer);
  }

  /** The first join: what it answers is history; everything after it is owed. */
  private async firstJoin(sock: WireSocket): Promise<void> {
    const res = await this.page(sock, 'room:join', { room: this.spec.room });
    if (this.link.sock !== sock) return;
    if (!res.ok) {
      // Unavailable: asked again shortly (or by the next welcome). Anything else is final.
      if (res.error.code !== ErrorCode.Unavailable) this.link.end(res.error.message);
      else if (this.link.connected)
        this.timer = setTimeout(() => void this.firstJoin(sock), ASK_AGAIN_MS);
      return;
    }
    const page = res.data;
    this.inRoom = true;
    this.ledger.base = page.messages[page.messages.length - 1]?.id ?? '0-0';
    readPage(this, this.cursor, page, true);
    // Live messages that came before the answer: those after the base are owed.
    const early = this.early;
    this.early = [];
    for (const m of early) this.take(m, true);
    if (page.hasMore) await this.resume(sock);
    this.link.joinedRoom();
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
      await catchUp(this, sock, this.cursor, this.spec.room, join);
    } finally {
      if (this.resumingOn === sock) this.resumingOn = undefined;
    }
    if (this.link.sock !== sock) return;
    // Set by calls made while this one awaited (TypeScript narrowed it to undefined above).
    const again = this.again as { join: boolean } | undefined;
    this.again = undefined;
    if (again) void this.resume(sock, again.join);
    else if (!this.inRoom) {
      // The join after a reconnect went unanswered on a live socket: ask again shortly.
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.resume(sock, true), ASK_AGAIN_MS);
    } else {
      this.link.resumed();
      this.sends.retryAll();
    }
  }

  /** One page of a resume, asked on `sock`; nothing once that socket is gone. */
  async ask(
    sock: WireSocket,
    _cursor: SeqCursor,
    event: PageEvent,
    request: PageRequest,
  ): Promise<Page | undefined> {
    const res = await this.page(sock, event, request);
    if (this.link.sock !== sock || !res.ok) return undefined;
    if (event === 'room:join') this.inRoom = true;
    return res.data;
  }

  took(_cursor: SeqCursor, m: ChatMessage): boolean {
    return this.take(m, false);
  }

  /** A reset or a gap needs nothing more here: the cursor moved, and owed is counted by seq. */
  reset(): void {}
  gap(): void {}

  private async page(
    sock: WireSocket,
    event: PageEvent,
    payload: { room: string; since?: string; epoch?: string; limit?: number },
  ): Promise<Result<Page>> {
    let raw: unknown;
    try {
      raw = await sock.request(event, payload, ACK_TIMEOUT_MS);
    } catch (err) {
      return unavailable((err as Error).message);
    }
    const res = ChatAnswers[event].safeParse(raw);
    if (res.success) return res.data;
    countError(this.sink, `malformed ${event} answer`);
    return unavailable(`malformed ${event} answer`);
  }

  /** A message pushed by the server. */
  live(sock: WireSocket, m: ChatMessage): void {
    if (m.room !== this.spec.room) return;
    if (this.ledger.base === undefined) {
      if (this.early.length < EARLY_MAX) this.early.push(m);
      return;
    }
    if (this.cursor.isOtherEpoch(m.epoch)) {
      // The room's history was reset on the server: counted as shown, and the room resumed
      // (the answer carries the new epoch and starts the cursor over).
      this.ledger.show(m, this.epochOf(m), true);
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
  private take(m: ChatMessage, isLive: boolean): boolean {
    const epoch = this.epochOf(m);
    // One of ours whose ack was lost on the way: it was stored, and this is its id.
    this.sends.echoed(m, epoch);
    const isNew = this.cursor.take(m.seq, m.id);
    this.ledger.show(m, epoch, isLive);
    return isNew;
  }

  /** A message's epoch: its own, or (from a server that leaves it out) the room's. */
  private epochOf(m: ChatMessage): string {
    return m.epoch ?? this.cursor.epoch ?? '';
  }
}

/** A failed ack as the load tester reports it: no answer in time counts as `unavailable`. */
function unavailable(message: string): Result<never> {
  return { ok: false, error: { code: ErrorCode.Unavailable, message } };
}
