import { compareIds, type ChatMessage } from '../protocol/index.js';

/** Messages the server could not give back (history trimmed past them). */
export interface Gap {
  /** The gap follows the message with this sequence number. */
  afterSeq: number;
  missing: number;
  /**
   * The room's history was reset on the server (its epoch changed: FLUSHALL, a restored
   * backup, a failover that lost it): what came before cannot be matched, so it was reloaded.
   */
  reset?: boolean;
}

/** A line of the room as the user sees it: a message, or a gap marker in its place. */
export type RoomLine = { kind: 'message'; message: ChatMessage } | { kind: 'gap'; gap: Gap };

/**
 * One room's messages, ordered by id and each held once, whatever order and how many times
 * they arrive (live, in a join page, in a resume). It also knows the last message up to
 * which nothing is missing: that is where a resume starts.
 */
export class RoomState {
  readonly messages: ChatMessage[] = [];
  private readonly ids = new Set<string>();
  private readonly seqIds = new Map<number, string>();
  /** Every message with seq <= contiguousSeq is here (or in a known gap). */
  contiguousSeq = 0;
  contiguousId: string | undefined;
  /** Set once the first join answered: until then contiguity has no base. */
  based = false;
  /** The room's epoch, from the first answer: ids and seqs mean something only within it. */
  epoch: string | undefined;
  /**
   * Live messages of another epoch, held while the room is reloaded: those stored after the
   * reload read the history are not in its answer and are taken from here (bounded).
   */
  readonly held: ChatMessage[] = [];
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

  constructor(readonly name: string) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Adds a message in id order; false if it was already here. */
  insert(msg: ChatMessage): boolean {
    if (this.ids.has(msg.id)) return false;
    this.ids.add(msg.id);
    this.seqIds.set(msg.seq, msg.id);
    const list = this.messages;
    const last = list[list.length - 1];
    if (!last || compareIds(last.id, msg.id) < 0) {
      list.push(msg);
    } else {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareIds(list[mid]!.id, msg.id) < 0) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, msg);
    }
    this.advance();
    return true;
  }

  /**
   * Sets the base of contiguity from a first join: everything before `firstSeq` is history
   * the user did not ask for, not a gap.
   */
  setBase(firstSeq: number): void {
    if (this.based) return;
    this.based = true;
    this.contiguousSeq = Math.max(0, firstSeq - 1);
    this.contiguousId = this.seqIds.get(this.contiguousSeq);
    this.advance();
  }

  /**
   * Records that messages after `contiguousSeq` up to `nextSeq - 1` are gone for good (the
   * server trimmed them), so resuming moves past them.
   */
  acceptGap(nextSeq: number): Gap | null {
    const missing = nextSeq - this.contiguousSeq - 1;
    if (!this.based || missing <= 0) return null;
    const gap = { afterSeq: this.contiguousSeq, missing };
    this.gaps.push(gap);
    this.contiguousSeq = nextSeq - 1;
    this.advance();
    return gap;
  }

  private advance(): void {
    if (!this.based) return;
    for (;;) {
      const id = this.seqIds.get(this.contiguousSeq + 1);
      if (id === undefined) break;
      this.contiguousSeq++;
      this.contiguousId = id;
    }
  }

  /** Whether a message with a higher seq than expected arrived: something was missed. */
  hasHole(): boolean {
    const last = this.messages[this.messages.length - 1];
    return this.based && last !== undefined && last.seq > this.contiguousSeq;
  }

  /** The id to resume from: everything up to it is here. */
  resumeFrom(): string {
    return this.contiguousId ?? '0-0';
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
    const gaps = [...this.gaps].sort((a, b) => a.afterSeq - b.afterSeq);
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
   * Adopts the epoch of an answer. A different one than held means the server's history was
   * reset: everything held is dropped (its ids and seqs cannot be matched with the new ones)
   * and a reset marker is put first. Returns true if it was a reset.
   */
  adoptEpoch(epoch: string): boolean {
    if (this.epoch === undefined || this.epoch === epoch) {
      this.epoch = epoch;
      return false;
    }
    this.epoch = epoch;
    this.messages.length = 0;
    this.ids.clear();
    this.seqIds.clear();
    this.gaps.length = 0;
    this.gaps.push({ afterSeq: 0, missing: 0, reset: true });
    this.contiguousSeq = 0;
    this.contiguousId = undefined;
    this.based = false;
    this.joinedAfter = undefined;
    return true;
  }

  /** Holds a live message of another epoch (see {@link held}); false past the bound. */
  hold(msg: ChatMessage): boolean {
    if (this.held.length >= 1000) return false;
    this.held.push(msg);
    return true;
  }

  clear(): void {
    this.messages.length = 0;
    this.gaps.length = 0;
  }
}
