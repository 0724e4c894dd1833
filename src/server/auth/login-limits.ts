import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisConn } from '../redis/clients.js';
import type { Keys } from '../redis/keys.js';

/** How long failed logins are remembered. */
export const LOGIN_FAIL_WINDOW_SEC = 15 * 60;
/** The first delay for a name that keeps failing; it doubles with every failure after. */
const FIRST_DELAY_MS = 250;

export interface LoginLimitSettings {
  /** Login attempts per address per minute, failed or not. */
  perIpPerMin: number;
  /** Failed logins for one name from one address before that address is refused for it. */
  failuresPerNameAndIp: number;
  /** Failed logins from one address (any names) before it is refused altogether. */
  failuresPerIp: number;
  /** Failed logins for a name (from anywhere) before its logins are slowed down. */
  slowAfter: number;
  /** Longest delay a login for a much-guessed name waits. */
  maxDelayMs: number;
}

/** A login refused before its password was checked: HTTP 429 with this message. */
export class LoginRefused extends Error {
  constructor(
    message: string,
    readonly retryAfterSec: number,
  ) {
    super(message);
    this.name = 'LoginRefused';
  }
}

/** What a login attempt counted; settle it once the password is checked. */
export interface LoginAttempt {
  /** How long this attempt was held back before its password was checked. */
  delayedMs: number;
  /** The password was right: the attempt is not held against the address. */
  succeeded(): Promise<void>;
}

const retryAfter = (res: RateLimiterRes): number => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/**
 * Brute-force protection for logins that cannot be turned into a lockout.
 *
 * Failures are counted per (name, address) and per address, and an address over either cap
 * is refused; nobody else is. For a name, failures from anywhere only slow it down: once a
 * name has failed `slowAfter` times, an attempt from an address that has failed before waits
 * an escalating delay. So the right password from an address with no failures logs in at once,
 * whatever an attacker did meanwhile.
 *
 * Every attempt is counted as a failure before its password is checked and refunded if it was
 * right, each counter in one atomic script (rate-limiter-flexible's single-key Lua). Concurrent
 * guesses therefore cannot slip past a cap, and every key stands alone (fine on Redis Cluster).
 *
 * A login that finds no account (`create: false`, answered `no_such_user`) or a name already
 * taken (`create: true`) is not refunded: asking which names exist costs what a wrong password
 * costs, so nobody can list the accounts faster than they could guess at them. Registering
 * through the two-step flow (look up, then create) therefore leaves one failure on the address.
 */
export class LoginLimits {
  private readonly attempts: RateLimiterRedis;
  private readonly pairFails: RateLimiterRedis;
  private readonly ipFails: RateLimiterRedis;
  private readonly nameFails: RateLimiterRedis;

  constructor(
    redis: RedisConn,
    keys: Keys,
    private readonly s: LoginLimitSettings,
  ) {
    const limiter = (kind: string, points: number, duration: number): RateLimiterRedis =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: keys.loginLimiter(kind),
        points: Math.max(1, points),
        duration,
      });
    this.attempts = limiter('ip', s.perIpPerMin, 60);
    this.pairFails = limiter('pair', s.failuresPerNameAndIp, LOGIN_FAIL_WINDOW_SEC);
    this.ipFails = limiter('ipfail', s.failuresPerIp, LOGIN_FAIL_WINDOW_SEC);
    // Never refuses (see `begin`): it only says how often a name has failed.
    this.nameFails = limiter('user', 1, LOGIN_FAIL_WINDOW_SEC);
  }

  /** Counts an attempt from `ip`, before its body is read; throws {@link LoginRefused} past the cap. */
  async attempt(ip: string): Promise<void> {
    await this.attempts.consume(ip).catch((rej: unknown) => {
      if (!(rej instanceof RateLimiterRes)) throw rej;
      throw new LoginRefused(
        'too many login attempts from this address; wait a minute',
        retryAfter(rej),
      );
    });
  }

  /**
   * Counts a password check of `name` from `ip` (as a failure until {@link LoginAttempt.succeeded})
   * and waits the name's delay. Throws {@link LoginRefused} when this address is over a cap.
   */
  async begin(name: string, ip: string): Promise<LoginAttempt> {
    const pair = `${name}:${ip}`;
    const [pairRes, ipRes] = await Promise.allSettled([
      this.pairFails.consume(pair),
      this.ipFails.consume(ip),
    ]);
    for (const r of [pairRes, ipRes]) {
      if (r.status === 'rejected' && !(r.reason instanceof RateLimiterRes)) throw r.reason;
    }
    if (pairRes.status === 'rejected') {
      throw new LoginRefused(
        'too many failed logins for this name from this address; try again later',
        retryAfter(pairRes.reason as RateLimiterRes),
      );
    }
    if (ipRes.status === 'rejected') {
      throw new LoginRefused(
        'too many failed logins from this address; try again later',
        retryAfter(ipRes.reason as RateLimiterRes),
      );
    }
    // Only attempts that get their password checked count for the name (`penalty` never
    // refuses: the name's count only sets the delay).
    const nameFailures = (await this.nameFails.penalty(name)).consumedPoints - 1;
    const ipFailures = ipRes.value.consumedPoints - 1;
    const delayedMs = ipFailures > 0 ? this.delayFor(nameFailures) : 0;
    if (delayedMs > 0) await sleep(delayedMs);
    return {
      delayedMs,
      succeeded: async () => {
        // The address proved it knows the password: its record for the name starts over,
        // and this attempt is not counted against it. The name's own count stays: it only
        // slows addresses that have failed, and an attacker cannot reset it.
        await Promise.all([
          this.pairFails.delete(pair),
          this.ipFails.reward(ip, 1),
          this.nameFails.reward(name, 1),
        ]);
      },
    };
  }

  /** The delay for a name that has failed `failures` times: doubling, capped. */
  private delayFor(failures: number): number {
    if (failures < this.s.slowAfter) return 0;
    return Math.min(
      this.s.maxDelayMs,
      FIRST_DELAY_MS * 2 ** Math.min(failures - this.s.slowAfter, 20),
    );
  }
}
