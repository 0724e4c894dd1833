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
  /**
   * Not lost: messages the client has not loaded, between history it loaded around an older
   * message (a search hit) and the newer ones it holds (`missing` counts history entries).
   */
  unloaded?: boolean;
}

/**
 * Where a room stands in its history, for delivery to be whole: every message with a seq up
 * to `contiguousSeq` was taken (`contiguousId` is the newest of them), and the few taken past
 * a hole are remembered by seq until it is filled. That is where a resume starts, and what
 * dedupes a message however often it comes (live, in a join page, in a resume): within an
 * epoch a seq is one message, so nothing else has to be kept of what was taken.
 *
 * One rule for every program: the TUI's rooms (`RoomState`, which adds the window of messages
 * a screen needs) and the load tester's virtual users use this class. It allocates nothing per
 * message beyond one map entry while a hole is open.
 */
export class SeqCursor {
  private epochNow: string | undefined;
  private isBased = false;
  private seq = 0;
  private id: string | undefined;
  /** seq -> id of what was taken past `contiguousSeq`: a hole's worth at most. */
  private readonly ahead = new Map<number, string>();

  /** The room's epoch, from the first answer that had one: seqs mean something only within it. */
  get epoch(): string | undefined {
    return this.epochNow;
  }

  /** Set once the first page of the epoch answered: until then contiguity has no base. */
  get based(): boolean {
    return this.isBased;
  }

  /** Every message with a seq up to this one was taken (or is in a known gap). */
  get contiguousSeq(): number {
    return this.seq;
  }

  /** The id of the message at `contiguousSeq`, once one was taken. */
  get contiguousId(): string | undefined {
    return this.id;
  }

  /** Messages taken past a hole, waiting for it to be filled. */
  get aheadCount(): number {
    return this.ahead.size;
  }

  /** Whether the message with this seq was taken before. */
  has(seq: number): boolean {
    return (this.isBased && seq <= this.seq) || this.ahead.has(seq);
  }

  /** Takes a message's place; false if that seq was taken before (a duplicate). */
  take(seq: number, id: string): boolean {
    if (this.has(seq)) return false;
    this.ahead.set(seq, id);
    this.advance();
    return true;
  }

  /**
   * Sets the base from the first answer of an epoch: what precedes `firstSeq` is history the
   * user did not ask for, not a gap. Only the first call of an epoch counts.
   */
  setBase(firstSeq: number): void {
    if (this.isBased) return;
    this.isBased = true;
    this.seq = Math.max(0, firstSeq - 1);
    this.forgetPassed();
    this.advance();
  }

  /**
   * Message `seq` is `id`, learned other than by taking it: a join after `since` answered with
   * nothing newer (so `since` is the room's newest, `seq`). Taken only as the place's own
   * (`contiguousSeq` is `seq` and no id is known for it): without it the next resume would
   * read the room's whole history from `0-0` to find its place again.
   */
  placeAt(seq: number, id: string): void {
    if (this.isBased && this.id === undefined && this.seq === seq) this.id = id;
  }

  /**
   * The server trimmed what lies between `contiguousSeq` and `nextSeq` (a truncated page): the
   * resume moves past it. Returns the gap, or null when nothing was skipped.
   */
  acceptGap(nextSeq: number): Gap | null {
    const missing = nextSeq - this.seq - 1;
    if (!this.isBased || missing <= 0) return null;
    const gap: Gap = { afterSeq: this.seq, missing };
    this.seq = nextSeq - 1;
    this.forgetPassed();
    this.advance();
    return gap;
  }

  /**
   * Adopts the epoch of an answer. A different one than held means the server's history was
   * reset: the cursor starts over (its seqs cannot be matched with the new ones) and true is
   * returned. So with `restart` (the answer said the position is none the server has) even in
   * the same epoch. An answer without an epoch (a history read of a room that has none now)
   * changes nothing: the message that makes the room's next epoch brings it.
   */
  adoptEpoch(epoch: string | undefined, restart = false): boolean {
    if (epoch === undefined) return false;
    if (this.epochNow === undefined || (this.epochNow === epoch && !restart)) {
      this.epochNow = epoch;
      return false;
    }
    this.epochNow = epoch;
    this.isBased = false;
    this.seq = 0;
    this.id = undefined;
    this.ahead.clear();
    return true;
  }

  /**
   * Whether a live message of this epoch belongs to another history than the one held (the
   * room was reset on the server): it cannot be placed until a resume brings the new epoch.
   */
  isOtherEpoch(epoch: string | undefined): boolean {
    return epoch !== undefined && this.epochNow !== undefined && epoch !== this.epochNow;
  }

  /** Whether a message with a higher seq than expected arrived: something was missed. */
  hasHole(): boolean {
    return this.isBased && this.ahead.size > 0;
  }

  /** The id to resume from: everything up to it was taken. */
  resumeFrom(): string {
    return this.id ?? '0-0';
  }

  private advance(): void {
    if (!this.isBased) return;
    for (;;) {
      const id = this.ahead.get(this.seq + 1);
      if (id === undefined) return;
      // What contiguity passed is deduped by its seq from now on.
      this.ahead.delete(++this.seq);
      this.id = id;
    }
  }

  /** After contiguity jumped (a base, a gap): drops the bookkeeping it passed over. */
  private forgetPassed(): void {
    for (const [seq, id] of this.ahead) {
      if (seq > this.seq) continue;
      if (seq === this.seq) this.id = id;
      this.ahead.delete(seq);
    }
  }
}
