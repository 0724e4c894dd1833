/** Failed admin handshakes from an address in one window that are each logged. */
export const ADMIN_FAILURES_PER_WINDOW = 10;
/** The window those are counted in. */
export const ADMIN_FAILURE_WINDOW_MS = 60_000;

/**
 * Wrong admin tokens, per address, on this instance: past {@link ADMIN_FAILURES_PER_WINDOW}
 * in a window the address's refusals (still `unauthorized`) are no longer logged one by one
 * until the window ends (450 guesses a second wrote 450 lines). A token is long enough
 * that guessing is hopeless; the right one still connects (an operator on the same address
 * as a guesser, a shared host's 127.0.0.1, is not locked out).
 */
export class AdminGuesses {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether `address` is past its logged failures for now. */
  blocked(address: string): boolean {
    const f = this.current(address);
    return f !== undefined && f.count > ADMIN_FAILURES_PER_WINDOW;
  }

  /**
   * Counts a wrong token from `address`; true while it is worth a log line (each failure up to
   * the limit, and the one past it, which says the rest go unlogged), false after that.
   */
  failed(address: string): boolean {
    const f = this.current(address);
    if (!f) {
      // Bounded: a flood of addresses forgets the oldest windows first.
      if (this.failures.size >= 10_000) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(address, { count: 1, since: this.now() });
      return true;
    }
    f.count++;
    return f.count <= ADMIN_FAILURES_PER_WINDOW + 1;
  }

  private current(address: string): { count: number; since: number } | undefined {
    const f = this.failures.get(address);
    if (f && this.now() - f.since >= ADMIN_FAILURE_WINDOW_MS) {
      this.failures.delete(address);
      return undefined;
    }
    return f;
  }
}
