import { MEMBER_LIST_MAX, TYPING_TTL_MS } from '../../protocol/index.js';
import type { Keys } from '../redis/keys.js';
import type { RedisConn } from '../redis/clients.js';
import { definePresenceBeat } from './scripts/presence-beat.js';
import { definePresenceJoin } from './scripts/presence-join.js';
import { definePresenceLeave } from './scripts/presence-leave.js';
import { definePresenceRead } from './scripts/presence-read.js';
import { defineTyping } from './scripts/typing.js';

/** Up to this many presence entries, member counts are exact. */
const EXACT_COUNT_MAX = 2000;

/**
 * An instance's mark in a room lives this long unless the instance renews it (every
 * heartbeat): a killed instance's members vanish from every list within it.
 */
export const PRESENCE_TTL_MS = 3000;
/** A member entry lives this long; its instance renews it well before (see ENTRY_RENEW_MS). */
const ENTRY_TTL_MS = 60_000;
/** Each room's entries are renewed about this often (jittered, so rooms do not all renew at once). */
const ENTRY_RENEW_MS = 20_000;
/** The presence keys outlive their newest entry by this much. */
const KEY_TTL_MS = ENTRY_TTL_MS * 2;

/**
 * Room membership across the cluster. Each instance owns entries `<bootId>|<user>` in a
 * room's sorted set, and a mark (its boot id) in the room's set of instances. The mark,
 * renewed every heartbeat with one small script per room, is what keeps the entries
 * visible: a killed instance's members vanish within {@link PRESENCE_TTL_MS}, and the next
 * beat of any instance in the room drops them. The entries themselves are renewed about
 * every {@link ENTRY_RENEW_MS}, so holding N idle members costs per room, not per member,
 * each second.
 */
export class Presence {
  /** room -> user -> number of this instance's sockets of that user in the room. */
  private readonly local = new Map<string, Map<string, number>>();
  /** room -> when its entries are next renewed. */
  private readonly renewAt = new Map<string, number>();

  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
    private readonly bootId: string,
  ) {
    definePresenceBeat(redis);
    definePresenceRead(redis);
    definePresenceJoin(redis);
    definePresenceLeave(redis);
    defineTyping(redis);
  }

  private member(user: string): string {
    return `${this.bootId}|${user}`;
  }

  /**
   * Records a socket of `user` joining (when `add`; a socket already in the room only reads)
   * and reads the room's members and who is typing, in one round trip. `added`: the user is
   * new in the room here, so the room's members should be told.
   */
  async join(
    room: string,
    user: string,
    add: boolean,
    limit = MEMBER_LIST_MAX,
  ): Promise<{ added: boolean; members: string[]; count: number; typing: string[] }> {
    let added = false;
    let users = this.local.get(room);
    if (add) {
      if (!users) {
        this.local.set(room, (users = new Map<string, number>()));
        this.renewAt.set(room, Date.now() + ENTRY_RENEW_MS * (0.5 + Math.random() / 2));
      }
      const n = users.get(user) ?? 0;
      users.set(user, n + 1);
      added = n === 0;
    }
    const now = Date.now();
    const [missing, entries, names, typing] = await this.redis.chatPresenceJoin(
      this.keys.roomPresenceBoots(room),
      this.keys.roomPresence(room),
      this.keys.roomTyping(room),
      now,
      added ? '1' : '0',
      this.member(user),
      now + ENTRY_TTL_MS,
      KEY_TTL_MS,
      now + PRESENCE_TTL_MS,
      this.bootId,
      EXACT_COUNT_MAX,
      limit * 2,
    );
    // Our mark was gone though other users of ours are in the room (a beat came too late
    // and another instance dropped our entries): renew them at the next beat.
    if (Number(missing) === 1 && users && users.size > 1) this.renewAt.set(room, 0);
    return { added, ...this.memberList(entries, names, limit), typing };
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
    const last = users.size === 0;
    if (last) {
      this.local.delete(room);
      this.renewAt.delete(room);
    }
    await this.redis.chatPresenceLeave(
      this.keys.roomPresenceBoots(room),
      this.keys.roomPresence(room),
      this.member(user),
      this.bootId,
      last ? '1' : '0',
    );
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
    const [entries, names] = await this.redis.chatPresenceRead(
      this.keys.roomPresenceBoots(room),
      this.keys.roomPresence(room),
      Date.now(),
      EXACT_COUNT_MAX,
      limit * 2,
    );
    return this.memberList(entries, names, limit);
  }

  private memberList(
    entries: number,
    names: string[],
    limit: number,
  ): { members: string[]; count: number } {
    const users = uniqueUsers(names);
    const count = Number(entries) <= EXACT_COUNT_MAX ? users.length : Number(entries);
    return { members: users.slice(0, limit), count };
  }

  /**
   * Renews this instance's mark in each of its rooms (and, every ENTRY_RENEW_MS or so, its
   * entries), and drops the entries of instances whose mark expired. Returns the rooms whose
   * member list changed by expiry, so their clients can be told.
   */
  async heartbeat(): Promise<string[]> {
    if (this.local.size === 0) return [];
    const now = Date.now();
    const rooms = [...this.local.keys()];
    // One script per room: each touches only its room's keys, so it runs on Redis Cluster
    // too; the command connection pipelines them into one write.
    /** Rooms whose entries are put back after they may have been dropped: announce them. */
    const healed = new Set<string>();
    const results = await Promise.all(
      rooms.map((room) => {
        const due = this.renewAt.get(room) ?? 0;
        if (due === 0) healed.add(room);
        const renew = due <= now;
        const users = renew ? [...this.local.get(room)!.keys()] : [];
        if (renew) this.renewAt.set(room, now + ENTRY_RENEW_MS * (0.75 + Math.random() / 2));
        return this.redis.chatPresenceBeat(
          this.keys.roomPresenceBoots(room),
          this.keys.roomPresence(room),
          now,
          PRESENCE_TTL_MS,
          this.bootId,
          KEY_TTL_MS,
          now + ENTRY_TTL_MS,
          ...users,
        );
      }),
    );
    const changed: string[] = [];
    for (const [i, room] of rooms.entries()) {
      const [dropped, missing] = results[i]!;
      if (Number(dropped) > 0 || healed.has(room)) changed.push(room);
      // Our mark had expired: another instance may have dropped our entries meanwhile.
      if (Number(missing) === 1) this.renewAt.set(room, 0);
    }
    return changed;
  }

  /** Rooms with at least one local member. */
  localRooms(): number {
    return this.local.size;
  }

  /** The rooms with members on this instance. */
  localRoomNames(): string[] {
    return [...this.local.keys()];
  }

  /** Marks or clears `user` as typing in the room and tells the room's channel. */
  async setTyping(room: string, user: string, typing: boolean): Promise<void> {
    await this.redis.chatTyping(
      this.keys.roomTyping(room),
      this.keys.roomChannel(room),
      user,
      typing ? '1' : '0',
      Date.now() + TYPING_TTL_MS,
      TYPING_TTL_MS * 2,
    );
  }
}

export function uniqueUsers(entries: string[]): string[] {
  const users = new Set<string>();
  for (const e of entries) users.add(e.slice(e.indexOf('|') + 1));
  return [...users].sort();
}
