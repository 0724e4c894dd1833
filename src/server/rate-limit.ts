const monotonicNow = (): number => performance.now();

/** A token bucket: `burst` tokens, refilled at `perSec`. One per socket, in memory. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  /** Rejections since the last time the bucket had tokens to spare. */
  strikes = 0;

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = burst;
    this.last = this.now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSec);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      if (this.tokens >= this.burst / 2) this.strikes = 0;
      return true;
    }
    this.strikes++;
    return false;
  }
}
