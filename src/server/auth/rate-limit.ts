import type { Result } from 'ioredis';
import type { RedisConn } from '../redis/clients.js';
import type { Keys } from '../redis/keys.js';
import { defineScript } from '../redis/scripts.js';

const monotonicNow = (): number => performance.now();

/** A token bucket: `burst` tokens, refilled at `perSec`. In memory (see `UserLimits`). */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = burst;
    this.last = this.now();
  }

  /** Whether the bucket has half its burst or more to spare: nobody is pressing on it. */
  get calm(): boolean {
    return this.tokens >= this.burst / 2;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSec);
    this.last = t;
  }

  /** Takes up to `n` whole tokens, as many as there are; returns how many. */
  takeUpTo(n: number): number {
    this.refill();
    const k = Math.max(0, Math.min(n, Math.floor(this.tokens)));
    this.tokens -= k;
    return k;
  }

  /** Gives back tokens taken and not used (never past the burst). */
  giveBack(n: number): void {
    this.tokens = Math.min(this.burst, this.tokens + Math.max(0, n));
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}

/**
 * A socket's refusals since its user's shared bucket was last calm, after a request that
 * `took` a token or was refused: the rate is the user's, the flood cut-off the socket's own (a
 * quiet client beside a flooding script of the same user is refused while the script floods,
 * and is not the one cut off for it).
 */
export function strikesAfter(took: boolean, bucket: TokenBucket, strikes: number): number {
  if (!took) return strikes + 1;
  return bucket.calm ? 0 : strikes;
}

/** How long a session's floods are remembered: each one within it doubles the next penalty. */
const FLOOD_MEMORY_SEC = 10 * 60;
/** The longest a flooded session waits before it may connect again. */
export const FLOOD_PENALTY_MAX_MS = 60_000;

/**
 * Records a flood by a session and blocks it: each flood within `memorySec` of the first
 * doubles the wait, from `baseMs` up to `maxMs`; the block lasts whole seconds, at least one.
 * Both keys are in the session's user's slot (the session script reads the block).
 * KEYS: strikes, block. ARGV: memorySec, baseMs, maxMs. Returns the wait in ms.
 */
const PUNISH_SCRIPT = `
local strikes = redis.call('INCRBY', KEYS[1], 1)
if strikes == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ms = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ math.min(strikes - 1, 20))
redis.call('SET', KEYS[2], strikes, 'EX', math.max(1, math.ceil(ms / 1000)))
return ms
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatFloodPunish(
      strikes: string,
      block: string,
      memorySec: number,
      baseMs: number,
      maxMs: number,
    ): Result<number, Context>;
  }
}

/**
 * The wait a session gets after it was cut off for flooding: `baseMs`, doubling with every
 * flood within ten minutes, at most a minute. Kept in Redis so it holds on every instance
 * (a flooder cannot loop by reconnecting elsewhere) and expires by itself. The block key sits
 * in the session's user's slot: the handshake's session script reads it in the same step
 * (see Sessions.resolve), so a handshake costs one command.
 */
export class FloodPenalty {
  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
    private readonly baseMs: number,
    /**
     * Tells every instance to read these sessions from Redis at their next handshake, not
     * from its session cache (Sessions.forget): a cached session would not see its block.
     */
    private readonly forget: (hashes: string[]) => Promise<void>,
  ) {
    defineScript(redis, 'chatFloodPunish', { numberOfKeys: 2, lua: PUNISH_SCRIPT });
  }

  /**
   * Records a flood by the session `hash` of `user`; returns how long it must now wait (ms).
   * Resolves once the block is stored and announced to every instance.
   */
  async punish(user: string, hash: string): Promise<number> {
    const ms = await this.redis.chatFloodPunish(
      this.keys.floodStrikes(user, hash),
      this.keys.floodBlock(user, hash),
      FLOOD_MEMORY_SEC,
      this.baseMs,
      FLOOD_PENALTY_MAX_MS,
    );
    await this.forget([hash]);
    return ms;
  }
}
