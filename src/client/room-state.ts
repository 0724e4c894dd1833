import { compareIds, type ChatMessage } from '../protocol/index.js';
import { SeqCursor, type Gap } from './delivery/seq-cursor.js';

export type { Gap };

/** A line of the room as the user sees it: a message, or a gap marker in its place. */
export type RoomLine = { kind: 'message'; message: ChatMessage } | { kind: 'gap'; gap: Gap };

/** How many messages a room keeps in memory unless told otherwise. */
export const ROOM_WINDOW_DEFAULT = 1000;

/** Live messages of another epoch held at most while a room is reloaded. */
const HELD_MAX = 1000;

/**
 * One room's messages, ordered by id and each held once, whatever order and how many times
 * they arrive (live, in a join page, in a resume). Where the room stands for a resume, and
 * what was taken before, is the delivery core's {@link SeqCursor}; this adds what a screen
 * needs: the window of messages, gap markers, members, typing, unread.
 *
 * Memory is bounded: only the newest `limit` messages are kept (the window; older ones come
 * back from history when the user scrolls up, see {@link insertOlder}). Dedupe does not need
 * what was dropped: the cursor knows by seq.
 */
export class RoomState {
  /** The window, oldest first: at most `limit` messages (twice that while scrolled back). */
  readonly messages: ChatMessage[] = [];
  /** The ids of `messages`, exactly. */
  private readonly ids = new Set<string>();
  /** Where the room stands in its epoch's history: what was taken, where a resume starts. */
  private readonly cursor = new SeqCursor();
  /**
   * The window holds every message it took with an id from here on; older ones were dropped
   * (or never loaded). Undefined while nothing was dropped.
   */
  private windowStart: string | undefined;
  /** Messages loaded by scrolling back, kept on top of `limit` (at most `limit` more). */
  private extra = 0;
  /** Goes up whenever `messages` or `gaps` change: a view can keep what it drew until then. */
  version = 0;
  /**
   * Live messages of another epoch, held while the room is reloaded: those stored after the
   * reload read the history are not in its answer and are taken from here (bounded).
   */
  readonly held: ChatMessage[] = [];
  /** Gap markers within (or at the top of) the window, by `afterSeq`. */
  readonly gaps: Gap[] = [];
  /** Up to MEMBER_LIST_MAX names; `memberCount` is how many there are. */
  members: string[] = [];
  memberCount = 0;
  readonly typing = new Map<string, number>();
  unread = 0;
  /**
   * The newest id the last join answer carried ('0-0' for none): messages after it reached
   * this client live or by resume. Live ones can be processed before the join's caller runs.
   */
  joinedAfter: string | undefined;
  /** The user's read marker in the room as the last join answer told it (none: undefined). */
  readTo: string | undefined;

  constructor(
    readonly name: string,
    /** How many of the newest messages to keep in memory. */
    readonly limit = ROOM_WINDOW_DEFAULT,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`a room window must be a whole number of messages >= 1, not ${limit}`);
  }

  /** Every message with seq <= contiguousSeq is here (or in a known gap). */
  get contiguousSeq(): number {
    return this.cursor.contiguousSeq;
  }

  get contiguousId(): string | undefined {
    return this.cursor.contiguousId;
  }

  /** Set once the first join answered: until then contiguity has no base. */
  get based(): boolean {
    return this.cursor.based;
  }

  /** The room's epoch, from the first answer: ids and seqs mean something only within it. */
  get epoch(): string | undefined {
    return this.cursor.epoch;
  }

  /** Whether the window holds this message. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Takes a message (live, join page, resume); false if it was taken before. */
  insert(msg: ChatMessage): boolean {
    if (this.ids.has(msg.id) || !this.cursor.take(msg.seq, msg.id)) return false;
    // Older than the window (a hole filled late): it counts, but is not put back in memory.
    if (this.windowStart === undefined || compareIds(msg.id, this.windowStart) > 0) this.place(msg);
    this.trim();
    return true;
  }

  /**
   * Takes a page of history older than the window (the user scrolled up): it is put in front
   * and kept, on top of `limit`, until newer messages push it out. Returns those not held.
   */
  insertOlder(page: readonly ChatMessage[]): ChatMessage[] {
    const taken: ChatMessage[] = [];
    for (const msg of page) {
      if (this.based && msg.seq > this.contiguousSeq) {
        if (this.insert(msg)) taken.push(msg);
        continue;
      }
      if (this.ids.has(msg.id)) continue;
      this.place(msg);
      taken.push(msg);
    }
    if (taken.length > 0) {
      this.extra = Math.min(this.limit, this.extra + taken.length);
      this.windowStart = this.messages[0]?.id;
      this.trim();
    }
    return taken;
  }

  private place(msg: ChatMessage): void {
    this.version++;
    this.ids.add(msg.id);
    const list = this.messages;
    const last = list[list.length - 1];
    if (!last || compareIds(last.id, msg.id) < 0) {
      list.push(msg);
      return;
    }
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareIds(list[mid]!.id, msg.id) < 0) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, msg);
  }

  /** Drops the oldest messages past the window, and the gap markers that went with them. */
  private trim(): void {
    const list = this.messages;
    if (list.length <= this.limit) this.extra = 0;
    const over = list.length - this.limit - this.extra;
    if (over <= 0) return;
    for (const m of list.splice(0, over)) this.ids.delete(m.id);
    const oldest = list[0]!;
    this.windowStart = oldest.id;
    // A marker shows before the first message after it: gone once that message is.
    let drop = 0;
    while (
      drop < this.gaps.length &&
      this.gaps[drop]!.afterSeq + this.gaps[drop]!.missing + 1 < oldest.seq
    )
      drop++;
    if (drop > 0) this.gaps.splice(0, drop);
  }

  /**
   * Sets the base of contiguity from a first join: everything before `firstSeq` is history
   * the user did not ask for, not a gap.
   */
  setBase(firstSeq: number): void {
    this.cursor.setBase(firstSeq);
  }

  /**
   * Records that messages after `contiguousSeq` up to `nextSeq - 1` are gone for good (the
   * server trimmed them), so resuming moves past them.
   */
  acceptGap(nextSeq: number): Gap | null {
    const gap = this.cursor.acceptGap(nextSeq);
    if (!gap) return null;
    this.version++;
    this.gaps.push(gap);
    this.gaps.sort((a, b) => a.afterSeq - b.afterSeq);
    return gap;
  }

  /** Whether a message with a higher seq than expected arrived: something was missed. */
  hasHole(): boolean {
    return this.cursor.hasHole();
  }

  /** Whether a live message of this epoch belongs to another history than the one held. */
  isOtherEpoch(epoch: string | undefined): boolean {
    return this.cursor.isOtherEpoch(epoch);
  }

  /** The id to resume from: everything up to it is here. */
  resumeFrom(): string {
    return this.cursor.resumeFrom();
  }

  /** How much bookkeeping the room holds (for tests of its bound). */
  footprint(): { messages: number; ids: number; seqIds: number; gaps: number; held: number } {
    return {
      messages: this.messages.length,
      ids: this.ids.size,
      seqIds: this.cursor.aheadCount,
      gaps: this.gaps.length,
      held: this.held.length,
    };
  }

  typingUsers(now = Date.now()): string[] {
    const out: string[] = [];
    for (const [user, until] of this.typing) {
      if (until > now) out.push(user);
      else this.typing.delete(user);
    }
    return out.sort();
  }

  /** Messages with gap markers where history was lost. */
  lines(): RoomLine[] {
    if (this.gaps.length === 0)
      return this.messages.map((message) => ({ kind: 'message', message }));
    const out: RoomLine[] = [];
    const gaps = this.gaps;
    let g = 0;
    for (const message of this.messages) {
      while (g < gaps.length && gaps[g]!.afterSeq < message.seq)
        out.push({ kind: 'gap', gap: gaps[g++]! });
      out.push({ kind: 'message', message });
    }
    while (g < gaps.length) out.push({ kind: 'gap', gap: gaps[g++]! });
    return out;
  }

  /**
   * Adopts the epoch of an answer (the rule is {@link SeqCursor.adoptEpoch}). On a reset the
   * window is dropped too (its ids and seqs cannot be matched with the new ones) and a reset
   * marker is put first. Returns true if it was a reset.
   */
  adoptEpoch(epoch: string | undefined): boolean {
    if (!this.cursor.adoptEpoch(epoch)) return false;
    this.version++;
    this.messages.length = 0;
    this.ids.clear();
    this.windowStart = undefined;
    this.extra = 0;
    this.gaps.length = 0;
    this.gaps.push({ afterSeq: 0, missing: 0, reset: true });
    this.joinedAfter = undefined;
    return true;
  }

  /** Holds a live message of another epoch (see {@link held}); false past the bound. */
  hold(msg: ChatMessage): boolean {
    if (this.held.length >= HELD_MAX) return false;
    this.held.push(msg);
    return true;
  }
}
