import { createHash, randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { Keys } from './keys.js';
import type { Logger } from './logger.js';
import type { RedisConn } from './redis.js';

/** Redis keeps only this hash of a token, so a leaked dump yields no usable session. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

interface StoredSession {
  user: string;
  createdAt: number;
}

export interface Session {
  user: string;
  hash: string;
}

export interface SessionCacheOptions {
  /**
   * A session's expiry (and its user's index) is pushed back at most this often: a handshake
   * renews it only once this much of the TTL has run down. 0 renews on every use.
   */
  renewEveryMs: number;
  /** How long this instance trusts a session it has read, without asking Redis. 0: no cache. */
  cacheMs: number;
  /** Most sessions the cache holds (the oldest are dropped first). */
  cacheMax: number;
}

interface CachedSession {
  user: string;
  /** Trusted until then: never past the key's own expiry in Redis. */
  until: number;
}

/** A session hash as it travels on the revocation channel (sha256, hex). */
const HASH = /^[0-9a-f]{64}$/;

/**
 * Session tokens: 256 random bits, base64url; a sliding expiry, renewed on use.
 *
 * Every instance caches the sessions it validated (a handshake then costs no Redis round
 * trip). A revocation (logout, kick, a session found gone) is published on one sharded
 * channel that every instance subscribes to; each drops the named sessions at once. The
 * cache is used only while that subscription stands: when it is lost, the cache is emptied
 * and every handshake asks Redis until it is back, so a missed revocation cannot be trusted
 * past it. A session deleted behind the server's back (a FLUSHALL) is trusted at most until
 * its entry times out, or until the session watch finds it gone and revokes it everywhere.
 */
export class Sessions {
  private readonly cache = new Map<string, CachedSession>();
  /** Whether revocations are being heard (only then is the cache read or filled). */
  private listening = false;
  /** Bumped by every revocation heard: a read in flight across one is not cached. */
  private revocations = 0;
  private stopped = false;
  private readonly opts: SessionCacheOptions & { ttlSec: number };
  /** Called when revocations are heard again after the subscription was lost. */
  onHeardAgain: (() => void) | undefined;

  /** `ttlSec`: the sliding lifetime of a session in Redis. */
  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
    ttlSec: number,
    opts: Partial<SessionCacheOptions> = {},
  ) {
    this.opts = { renewEveryMs: 5 * 60_000, cacheMs: 60_000, cacheMax: 200_000, ...opts, ttlSec };
  }

  async create(user: string): Promise<string> {
    const { ttlSec } = this.opts;
    const token = randomBytes(32).toString('base64url');
    const hash = hashToken(token);
    const value: StoredSession = { user, createdAt: Date.now() };
    // The user's index first, then the session (another slot: two steps, not a transaction),
    // so no session ever exists that `revokeAll` cannot find.
    await this.redis
      .multi()
      .sadd(this.keys.userSessions(user), hash)
      .expire(this.keys.userSessions(user), ttlSec)
      .exec();
    await this.redis.set(this.keys.session(hash), JSON.stringify(value), 'EX', ttlSec);
    return token;
  }

  /**
   * The session behind a token; null when missing, expired or revoked. Renews the session's
   * expiry and its user's index once the TTL has run down by `renewEveryMs`.
   */
  async resolve(token: string): Promise<Session | null> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 200) return null;
    const hash = hashToken(token);
    const now = Date.now();
    if (this.listening) {
      const hit = this.cache.get(hash);
      if (hit && hit.until > now) return { user: hit.user, hash };
      if (hit) this.cache.delete(hash);
    }
    const seen = this.revocations;
    const key = this.keys.session(hash);
    // Two reads of one key, sent together: the connection auto-pipelines them into one write.
    const [raw, left] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    if (typeof raw !== 'string') return null;
    // No expiry at all (-1) is renewed like one that ran down.
    let pttl = Math.max(0, left);
    const s = JSON.parse(raw) as StoredSession;
    const { ttlSec, renewEveryMs, cacheMs } = this.opts;
    if (ttlSec * 1000 - pttl >= renewEveryMs) {
      // Each key in its own slot: two commands, sent together. The session first decides:
      // gone meanwhile (revoked), it stays gone.
      const [renewed] = await Promise.all([
        this.redis.expire(key, ttlSec),
        this.redis.expire(this.keys.userSessions(s.user), ttlSec),
      ]);
      if (renewed !== 1) return null;
      pttl = ttlSec * 1000;
    }
    if (this.listening && cacheMs > 0 && this.revocations === seen) {
      this.remember(hash, { user: s.user, until: now + Math.min(cacheMs, pttl) });
    }
    return { user: s.user, hash };
  }

  private remember(hash: string, entry: CachedSession): void {
    this.cache.delete(hash);
    this.cache.set(hash, entry);
    // A Map iterates in insertion order: the first entries are the oldest.
    while (this.cache.size > this.opts.cacheMax) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  /** Sessions in this instance's cache (for tests and metrics). */
  cached(): number {
    return this.cache.size;
  }

  /**
   * Which of these session hashes still exist. One single-key EXISTS each, all sent at once:
   * no MGET or multi-key command, so it works whichever Cluster slots the keys fall in. It
   * only looks: expiry still slides on use (a handshake), never because a socket stays open.
   */
  async alive(hashes: string[]): Promise<Set<string>> {
    const found = await Promise.all(hashes.map((h) => this.redis.exists(this.keys.session(h))));
    return new Set(hashes.filter((_, i) => found[i] === 1));
  }

  async revoke(session: Session): Promise<void> {
    this.cache.delete(session.hash);
    // The session first: once it is gone the token is dead, whatever happens to the index.
    await this.redis.del(this.keys.session(session.hash));
    await this.redis.srem(this.keys.userSessions(session.user), session.hash);
    await this.announce([session.hash]);
  }

  /** Ends every session of a user; returns their hashes (to disconnect their sockets). */
  async revokeAll(user: string): Promise<string[]> {
    const hashes = await this.redis.smembers(this.keys.userSessions(user));
    for (const h of hashes) this.cache.delete(h);
    // Each session key lives in a slot of its own: one DEL each (pipelined by ioredis).
    await Promise.all(hashes.map((h) => this.redis.del(this.keys.session(h))));
    await this.redis.del(this.keys.userSessions(user));
    await this.announce(hashes);
    return hashes;
  }

  /**
   * Tells every instance that these sessions are gone (found missing in Redis, say after a
   * FLUSHALL), so none keeps accepting them from its cache.
   */
  async forget(hashes: string[]): Promise<void> {
    for (const h of hashes) this.cache.delete(h);
    await this.announce(hashes);
  }

  /** Publishes revoked hashes, in bounded messages, once Redis has dropped the sessions. */
  private async announce(hashes: string[]): Promise<void> {
    for (let i = 0; i < hashes.length; i += 500) {
      const chunk = hashes.slice(i, i + 500).join(',');
      await this.redis.spublish(this.keys.sessionsRevoked(), chunk);
    }
  }

  /**
   * Hears revocations on `sub` (a subscriber connection that may carry other sharded
   * channels too). The cache is used only while this subscription is known to stand.
   */
  async listen(sub: RedisConn, log: Logger): Promise<void> {
    const channel = this.keys.sessionsRevoked();
    sub.on('smessage', (ch: string, raw: string) => {
      if (ch !== channel) return;
      this.revocations++;
      for (const h of raw.split(',')) if (HASH.test(h)) this.cache.delete(h);
    });
    let subscribing = false;
    let retry: NodeJS.Timeout | undefined;
    const back = (): void => {
      if (this.listening || subscribing || this.stopped) return;
      subscribing = true;
      // Subscribing again is harmless (ioredis may have done it already) and says when it holds.
      sub.ssubscribe(channel).then(
        () => {
          subscribing = false;
          if (sub.status === 'ready' && !this.stopped) {
            this.listening = true;
            this.onHeardAgain?.();
          } else later();
        },
        (err: unknown) => {
          subscribing = false;
          log.debug({ err: (err as Error).message }, 'session revocations not heard yet');
          later();
        },
      );
    };
    const later = (): void => {
      if (retry || this.stopped) return;
      retry = setTimeout(() => {
        retry = undefined;
        back();
      }, 1000);
      retry.unref();
    };
    const lost = (): void => {
      this.listening = false;
      this.revocations++;
      this.cache.clear();
      later();
    };
    if (sub instanceof Cluster) {
      sub.on('-node', lost);
      sub.on('-subscriber', lost);
      sub.on('subscribersReady', back);
    }
    sub.on('close', lost);
    sub.on('ready', back);
    await sub.ssubscribe(channel);
    this.listening = true;
  }

  /** Stops trusting the cache (the instance is closing). */
  stop(): void {
    this.stopped = true;
    this.listening = false;
    this.cache.clear();
  }
}
