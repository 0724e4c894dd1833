/**
 * Where a virtual user's room stands for a resume: every message with a seq up to
 * `contiguousSeq` was taken (`contiguousId` is the newest of them), and the few taken past a
 * hole are remembered by seq until it is filled. The same rule as the TUI's RoomState, without
 * the window of messages a screen needs.
 */
export class RoomCursor {
  epoch: string | undefined;
  based = false;
  contiguousSeq = 0;
  contiguousId: string | undefined;
  /** seq -> id of what was taken past `contiguousSeq`: a hole's worth at most. */
  private readonly ahead = new Map<number, string>();

  /** Sets the base from the first answer of an epoch: what precedes `firstSeq` is not owed. */
  setBase(firstSeq: number): void {
    if (this.based) return;
    this.based = true;
    this.contiguousSeq = Math.max(0, firstSeq - 1);
    this.forgetPassed();
    this.advance();
  }

  /** Takes a message's place; false if that seq was taken before. */
  take(seq: number, id: string): boolean {
    if (this.based && seq <= this.contiguousSeq) return false;
    if (this.ahead.has(seq)) return false;
    this.ahead.set(seq, id);
    this.advance();
    return true;
  }

  /** The server trimmed what lies before `nextSeq`: the resume moves past it. */
  skipTo(nextSeq: number): void {
    if (!this.based || nextSeq - 1 <= this.contiguousSeq) return;
    this.contiguousSeq = nextSeq - 1;
    this.forgetPassed();
    this.advance();
  }

  /**
   * Adopts an answer's epoch; a different one (history reset) starts the cursor over. None
   * (a history read of a room that has no epoch now) changes nothing.
   */
  adoptEpoch(epoch: string | undefined): boolean {
    if (epoch === undefined) return false;
    if (this.epoch === undefined || this.epoch === epoch) {
      this.epoch = epoch;
      return false;
    }
    this.epoch = epoch;
    this.based = false;
    this.contiguousSeq = 0;
    this.contiguousId = undefined;
    this.ahead.clear();
    return true;
  }

  hasHole(): boolean {
    return this.based && this.ahead.size > 0;
  }

  resumeFrom(): string {
    return this.contiguousId ?? '0-0';
  }

  private advance(): void {
    if (!this.based) return;
    for (;;) {
      const id = this.ahead.get(this.contiguousSeq + 1);
      if (id === undefined) return;
      this.ahead.delete(++this.contiguousSeq);
      this.contiguousId = id;
    }
  }

  private forgetPassed(): void {
    for (const [seq, id] of this.ahead) {
      if (seq > this.contiguousSeq) continue;
      if (seq === this.contiguousSeq) this.contiguousId = id;
      this.ahead.delete(seq);
    }
  }
}
