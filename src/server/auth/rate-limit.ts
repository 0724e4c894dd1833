import type { RedisConn } from '../redis/clients.js';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Keys } from '../redis/keys.js';

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

/** How long a session's floods are remembered: each one within it doubles the next penalty. */
const FLOOD_MEMORY_SEC = 10 * 60;
/** The longest a flooded session waits before it may connect again. */
export const FLOOD_PENALTY_MAX_MS = 60_000;

/**
 * The wait a session gets after it was cut off for flooding: `baseMs`, doubling with every
 * flood within ten minutes, at most a minute. Kept in Redis so it holds on every instance
 * (a flooder cannot loop by reconnecting elsewhere) and expires by itself; each key stands
 * alone (rate-limiter-flexible's single-key commands), so it runs on Redis Cluster too.
 */
export class FloodPenalty {
  private readonly strikes: RateLimiterRedis;
  private readonly blocked: RateLimiterRedis;

  constructor(
    private readonly redis: RedisConn,
    keys: Keys,
    private readonly baseMs: number,
  ) {
    const limiter = (kind: string, duration: number): RateLimiterRedis =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: keys.floodLimiter(kind),
        points: 1,
        duration,
      });
    this.strikes = limiter('strikes', FLOOD_MEMORY_SEC);
    this.blocked = limiter('block', 1);
  }

  /** Records a flood by the session `hash`; returns how long it must now wait (ms). */
  async punish(hash: string): Promise<number> {
    const { consumedPoints } = await this.strikes.penalty(hash);
    const ms = Math.min(FLOOD_PENALTY_MAX_MS, this.baseMs * 2 ** Math.min(consumedPoints - 1, 20));
    // Whole seconds, at least one: a block of 0 s would never expire.
    await this.blocked.block(hash, Math.max(1, Math.ceil(ms / 1000)));
    return ms;
  }

  /**
   * How long the session `hash` must still wait before it may connect (0: it may). The block
   * key exists only while the session is blocked, so its expiry is the answer: one PTTL on
   * every handshake, not the limiter's MULTI of GET and PTTL.
   */
  async remainingMs(hash: string): Promise<number> {
    const left = await this.redis.pttl(this.blocked.getKey(hash));
    return left > 0 ? left : 0;
  }
}
