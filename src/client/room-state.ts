import { compareIds, type ChatMessage } from '../protocol/index.js';
import { SeqCursor, type Gap } from './delivery/seq-cursor.js';
import { changeOf, isNewer, withChange, type Change } from './changes.js';

export type { Gap };

/** A line of the room as the user sees it: a message, or a gap marker in its place. */
export type RoomLine = { kind: 'message'; message: ChatMessage } | { kind: 'gap'; gap: Gap };

/** How many messages a room keeps in memory unless told otherwise. */
export const ROOM_WINDOW_DEFAULT = 1000;

/** Live messages of another epoch held at most while a room is reloaded. */
const HELD_MAX = 1000;

/** Changes held at most for messages not in the window (see `RoomState.applyChange`). */
const CHANGES_HELD_MAX = 1000;

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
  /**
   * Edits and deletes of messages the window does not hold (older, or not arrived yet), by
   * the message's id: applied when it is placed. Bounded; a page of history read later shows
   * its messages as they are now anyway (the server folds changes into pages).
   */
  private readonly changes = new Map<string, Change>();
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

  /**
   * Takes a message (live, join page, resume); false if it was taken before. An edit or delete
   * takes its place in the sequence but is not a line: it changes its message in place.
   */
  insert(msg: ChatMessage): boolean {
    if (this.ids.has(msg.id) || !this.cursor.take(msg.seq, msg.id)) return false;
    const change = changeOf(msg);
    if (change) {
      this.applyChange(change);
      return true;
    }
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
        if (this.insert(msg) && !changeOf(msg)) taken.push(msg);
        continue;
      }
      const change = changeOf(msg);
      if (change) {
        this.applyChange(change);
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
    if (page.length > 0) {
      const seqs = page.map((m) => m.seq);
      this.coverUnloaded(Math.min(...seqs), Math.max(...seqs));
    }
    return taken;
  }

  /**
   * A page of history (its entries' seqs from `lo` to `hi`, one after another: changes count)
   * was loaded: what it covers of a place marked not loaded is loaded now. The mark shrinks,
   * splits in two around the page, or goes.
   */
  private coverUnloaded(lo: number, hi: number): void {
    if (!this.gaps.some((g) => g.unloaded)) return;
    const next: Gap[] = [];
    let changed = false;
    for (const g of this.gaps) {
      const last = g.afterSeq + g.missing;
      if (!g.unloaded || hi <= g.afterSeq || lo > last) {
        next.push(g);
        continue;
      }
      changed = true;
      if (lo > g.afterSeq + 1)
        next.push({ afterSeq: g.afterSeq, missing: lo - 1 - g.afterSeq, unloaded: true });
      if (hi < last) next.push({ afterSeq: hi, missing: last - hi, unloaded: true });
    }
    if (!changed) return;
    this.gaps.length = 0;
    this.gaps.push(...next.sort((a, b) => a.afterSeq - b.afterSeq));
    this.version++;
  }

  private place(given: ChatMessage): void {
    this.version++;
    let msg = given;
    const held = this.changes.get(msg.id);
    if (held) {
      this.changes.delete(msg.id);
      if (isNewer(held, msg)) msg = withChange(msg, held);
    }
    this.ids.add(msg.id);
    const list = this.messages;
    const last = list[list.length - 1];
    if (!last || compareIds(last.id, msg.id) < 0) {
      list.push(msg);
      return;
    }
    list.splice(this.position(msg.id), 0, msg);
  }

  /** Where a message with this id is, or would go, in the window. */
  private position(id: string): number {
    const list = this.messages;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareIds(list[mid]!.id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * An edit or delete: its message, if held, is replaced by a copy as it is now (a new
   * object, so what was drawn from the old one is drawn again); one not held keeps the
   * change until it is placed. A change older than what is held changes nothing, so
   * changes may arrive in any order and any number of times.
   */
  applyChange(change: Change): void {
    if (this.ids.has(change.target)) {
      const i = this.position(change.target);
      const msg = this.messages[i]!;
      if (!isNewer(change, msg)) return;
      this.messages[i] = withChange(msg, change);
      this.version++;
      return;
    }
    const held = this.changes.get(change.target);
    if (held && compareIds(held.rev, change.rev) >= 0) return;
    this.changes.delete(change.target);
    if (this.changes.size >= CHANGES_HELD_MAX) {
      const oldest = this.changes.keys().next().value;
      if (oldest !== undefined) this.changes.delete(oldest);
    }
    this.changes.set(change.target, change);
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

  /**
   * Marks that the history between the message with seq `afterSeq` and the one with
   * `nextSeq` was not loaded (see {@link Gap.unloaded}).
   */
  markUnloaded(afterSeq: number, nextSeq: number): void {
    const missing = nextSeq - afterSeq - 1;
    if (missing <= 0 || this.gaps.some((g) => g.afterSeq === afterSeq)) return;
    this.version++;
    this.gaps.push({ afterSeq, missing, unloaded: true });
    this.gaps.sort((a, b) => a.afterSeq - b.afterSeq);
  }

  /** Whether a message with a higher seq than expected arrived: something was missed. */
  hasHole(): boolean {
    return this.cursor.hasHole();
  }

  /** Whether a live message of this epoch belongs to another history than the one held. */
  isOtherEpoch(epoch: string | undefined): boolean {
    return this.cursor.isOtherEpoch(epoch);
  }

  /** See {@link SeqCursor.placeAt}. */
  placeAt(seq: number, id: string): void {
    this.cursor.placeAt(seq, id);
  }

  /** The id to resume from: everything up to it is here. */
  resumeFrom(): string {
    return this.cursor.resumeFrom();
  }

  /** How much bookkeeping the room holds (for tests of its bound). */
  footprint(): {
    messages: number;
    ids: number;
    seqIds: number;
    gaps: number;
    held: number;
    changes: number;
  } {
    return {
      changes: this.changes.size,
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
  adoptEpoch(epoch: string | undefined, restart = false): boolean {
    if (!this.cursor.adoptEpoch(epoch, restart)) return false;
    this.version++;
    this.messages.length = 0;
    this.ids.clear();
    this.windowStart = undefined;
    this.extra = 0;
    this.gaps.length = 0;
    this.changes.clear();
    this.gaps.push({ afterSeq: 0, missing: 0, reset: true });
    this.joinedAfter = undefined;
    // What was unread of the old history went with it (its messages are no longer held).
    this.unread = 0;
    return true;
  }

  /** Holds a live message of another epoch (see {@link held}); false past the bound. */
  hold(msg: ChatMessage): boolean {
    if (this.held.length >= HELD_MAX) return false;
    this.held.push(msg);
    return true;
  }
}
