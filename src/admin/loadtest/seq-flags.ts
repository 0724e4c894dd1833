/**
 * Small flags (a byte) per message seq of one room epoch, in one byte array that grows with
 * the seqs seen: what a virtual user remembers of each message it was shown. A byte a message
 * instead of a map entry keyed by the id string: cheaper on every delivery, and far less for
 * the collector to walk in a long run.
 */
export class SeqFlags {
  private bytes = new Uint8Array(256);
  /** The seq at index 0 (set by the first write). */
  private origin = -1;

  get(seq: number): number {
    const i = seq - this.origin;
    return this.origin < 0 || i < 0 || i >= this.bytes.length ? 0 : this.bytes[i]!;
  }

  /** Adds `flags` to those of `seq`. */
  add(seq: number, flags: number): void {
    if (this.origin < 0) this.origin = Math.max(0, seq - 16);
    let i = seq - this.origin;
    if (i < 0) {
      // Older than anything yet (a resume page filling in): grow at the front.
      const shift = Math.min(this.origin, Math.max(-i, this.bytes.length));
      const grown = new Uint8Array(this.bytes.length + shift);
      grown.set(this.bytes, shift);
      this.bytes = grown;
      this.origin -= shift;
      i = seq - this.origin;
    } else if (i >= this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, i + 1));
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[i]! |= flags;
  }
}
