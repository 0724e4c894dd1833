import { createHash, randomBytes } from 'node:crypto';
import type { Keys } from './keys.js';
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

/** Session tokens: 256 random bits, base64url; a sliding expiry renewed on every use. */
export class Sessions {
  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
    private readonly ttlSec: number,
  ) {}

  async create(user: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const hash = hashToken(token);
    const value: StoredSession = { user, createdAt: Date.now() };
    // The user's index first, then the session (another slot: two steps, not a transaction),
    // so no session ever exists that `revokeAll` cannot find.
    await this.redis
      .multi()
      .sadd(this.keys.userSessions(user), hash)
      .expire(this.keys.userSessions(user), this.ttlSec)
      .exec();
    await this.redis.set(this.keys.session(hash), JSON.stringify(value), 'EX', this.ttlSec);
    return token;
  }

  /** The session behind a token, renewing its expiry; null when missing, expired or revoked. */
  async resolve(token: string): Promise<Session | null> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 200) return null;
    const hash = hashToken(token);
    const key = this.keys.session(hash);
    // GETEX reads and slides the expiry in one command (Redis >= 6.2).
    const raw = await this.redis.getex(key, 'EX', this.ttlSec);
    if (typeof raw !== 'string') return null;
    const s = JSON.parse(raw) as StoredSession;
    return { user: s.user, hash };
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
    // The session first: once it is gone the token is dead, whatever happens to the index.
    await this.redis.del(this.keys.session(session.hash));
    await this.redis.srem(this.keys.userSessions(session.user), session.hash);
  }

  /** Ends every session of a user; returns their hashes (to disconnect their sockets). */
  async revokeAll(user: string): Promise<string[]> {
    const hashes = await this.redis.smembers(this.keys.userSessions(user));
    // Each session key lives in a slot of its own: one DEL each (pipelined by ioredis).
    await Promise.all(hashes.map((h) => this.redis.del(this.keys.session(h))));
    await this.redis.del(this.keys.userSessions(user));
    return hashes;
  }
}
