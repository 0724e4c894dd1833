import { MEMBER_LIST_MAX, TYPING_TTL_MS } from '../protocol/index.js';
import type { Keys } from './keys.js';
import type { RedisConn } from './redis.js';

/** Up to this many presence entries, member counts are exact. */
const EXACT_COUNT_MAX = 2000;

/** A member entry lives this long unless its instance renews it (every heartbeat). */
export const PRESENCE_TTL_MS = 3000;

/**
 * Room membership across the cluster. Each instance owns entries `<bootId>|<user>` in a
 * room's sorted set, scored by their expiry, and renews them every second; a killed
 * instance's entries expire within {@link PRESENCE_TTL_MS}, so no ghost outlives it.
 */
export class Presence {
  /** room -> user -> number of this instance's sockets of that user in the room. */
  private readonly local = new Map<string, Map<string, number>>();

  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
    private readonly bootId: string,
  ) {}

  private member(user: string): string {
    return `${this.bootId}|${user}`;
  }

  /** Records a socket of `user` joining; returns true if the user is new in the room here. */
  async join(room: string, user: string): Promise<boolean> {
    let users = this.local.get(room);
    if (!users) this.local.set(room, (users = new Map<string, number>()));
    const n = users.get(user) ?? 0;
    users.set(user, n + 1);
    if (n > 0) return false;
    await this.redis.zadd(
      this.keys.roomPresence(room),
      Date.now() + PRESENCE_TTL_MS,
      this.member(user),
    );
    return true;
  }

  /** Records a socket of `user` leaving; returns true if the user is gone from the room here. */
  async leave(room: string, user: string): Promise<boolean> {
    const users = this.local.get(room);
    const n = users?.get(user) ?? 0;
    if (!users || n === 0) return false;
    if (n > 1) {
      users.set(user, n - 1);
      return false;
    }
    users.delete(user);
    if (users.size === 0) this.local.delete(room);
    await this.redis.zrem(this.keys.roomPresence(room), this.member(user));
    return true;
  }

  /**
   * Users in the room on any live instance: up to `limit` names, sorted, each once, and how
   * many there are. Up to EXACT_COUNT_MAX entries the count is exact; past that it counts
   * (instance, user) pairs, so a user on two instances counts twice.
   */
  async members(
    room: string,
    limit = MEMBER_LIST_MAX,
  ): Promise<{ members: string[]; count: number }> {
    const key = this.keys.roomPresence(room);
    const now = Date.now();
    const entries = await this.redis.zcount(key, now, '+inf');
    if (entries <= EXACT_COUNT_MAX) {
      const users = uniqueUsers(await this.redis.zrangebyscore(key, now, '+inf'));
      return { members: users.slice(0, limit), count: users.length };
    }
    const some = await this.redis.zrangebyscore(key, now, '+inf', 'LIMIT', 0, limit * 2);
    return { members: uniqueUsers(some).slice(0, limit), count: entries };
  }

  /**
   * Renews this instance's entries and drops expired ones (a dead instance's). Returns the
   * rooms whose member list changed by expiry, so their clients can be told.
   */
  async heartbeat(): Promise<string[]> {
    if (this.local.size === 0) return [];
    const now = Date.now();
    const rooms = [...this.local.keys()];
    // One transaction per room: each touches only its room's key, so it runs on Redis
    // Cluster too (ioredis pipelines the rooms' transactions on each connection).
    const removed = await Promise.all(
      rooms.map(async (room) => {
        const key = this.keys.roomPresence(room);
        const users = this.local.get(room)!;
        const args: (string | number)[] = [];
        for (const user of users.keys()) args.push(now + PRESENCE_TTL_MS, this.member(user));
        const res = await this.redis
          .multi()
          .zadd(key, ...args)
          .zremrangebyscore(key, '-inf', now)
          .pexpire(key, PRESENCE_TTL_MS * 10)
          .exec();
        const n = res?.[1]?.[1];
        return typeof n === 'number' ? n : 0;
      }),
    );
    return rooms.filter((_room, i) => removed[i]! > 0);
  }

  /** Rooms with at least one local member. */
  localRooms(): number {
    return this.local.size;
  }

  /** The rooms with members on this instance. */
  localRoomNames(): string[] {
    return [...this.local.keys()];
  }

  async setTyping(room: string, user: string, typing: boolean): Promise<void> {
    const key = this.keys.roomTyping(room);
    if (typing) {
      await this.redis
        .multi()
        .zadd(key, Date.now() + TYPING_TTL_MS, user)
        .pexpire(key, TYPING_TTL_MS * 2)
        .exec();
    } else {
      await this.redis.zrem(key, user);
    }
  }

  async typing(room: string): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.roomTyping(room), Date.now(), '+inf');
  }
}

export function uniqueUsers(entries: string[]): string[] {
  const users = new Set<string>();
  for (const e of entries) users.add(e.slice(e.indexOf('|') + 1));
  return [...users].sort();
}
