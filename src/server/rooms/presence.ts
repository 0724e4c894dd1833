import type { Result } from 'ioredis';
import { MEMBER_LIST_MAX, TYPING_TTL_MS } from '../../protocol/index.js';
import type { Keys } from '../redis/keys.js';
import type { RedisConn } from '../redis/clients.js';

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

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatPresenceBeat(
      boots: string,
      entries: string,
      now: number,
      bootTtlMs: number,
      bootId: string,
      keyTtlMs: number,
      entryExpiry: number,
      ...users: string[]
    ): Result<[number, number], Context>;
    chatPresenceRead(
      boots: string,
      entries: string,
      now: number,
      exactMax: number,
      some: number,
    ): Result<[number, string[]], Context>;
    chatPresenceJoin(
      boots: string,
      entries: string,
      typing: string,
      now: number,
      add: '0' | '1',
      member: string,
      entryExpiry: number,
      keyTtlMs: number,
      bootExpiry: number,
      bootId: string,
      exactMax: number,
      some: number,
    ): Result<[number, number, string[], string[]], Context>;
    chatPresenceLeave(
      boots: string,
      entries: string,
      member: string,
      bootId: string,
      last: '0' | '1',
    ): Result<number, Context>;
    chatTyping(
      typing: string,
      channel: string,
      user: string,
      on: '0' | '1',
      expiry: number,
      keyTtlMs: number,
    ): Result<number, Context>;
  }
}

/**
 * One instance's beat in one room. Drops the instances whose mark expired, with their
 * entries (`<bootId>|...`); renews this instance's mark; renews its entries when users are
 * given; drops expired entries. Returns [entries dropped, 1 if this instance's mark was
 * missing (then its entries may have been dropped by another instance: renew them)].
 * KEYS: boots, entries. ARGV: now, bootTtlMs, bootId, keyTtlMs, entryExpiry, users...
 */
const BEAT_SCRIPT = `
local now = tonumber(ARGV[1])
local dropped = 0
for _, b in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  redis.call('ZREM', KEYS[1], b)
  local cursor = '0'
  repeat
    local r = redis.call('ZSCAN', KEYS[2], cursor, 'MATCH', b .. '|*', 'COUNT', 1000)
    cursor = r[1]
    for i = 1, #r[2], 2 do
      dropped = dropped + redis.call('ZREM', KEYS[2], r[2][i])
    end
  until cursor == '0'
end
local missing = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if #ARGV > 5 then
  local args = {}
  for i = 6, #ARGV do
    args[#args + 1] = ARGV[5]
    args[#args + 1] = ARGV[3] .. '|' .. ARGV[i]
    if #args >= 1000 then
      redis.call('ZADD', KEYS[2], unpack(args))
      args = {}
    end
  end
  if #args > 0 then redis.call('ZADD', KEYS[2], unpack(args)) end
end
dropped = dropped + redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return {dropped, missing}
`;

/**
 * Reads a room's live entries (those of instances whose mark has not expired) into `n` (how
 * many entries) and `out` (their names): all of them up to exactMax entries, else the first
 * `some`. Uses KEYS[1] (boots), KEYS[2] (entries), `now`, and ARGV[exactMaxArg], ARGV[someArg].
 */
const readLua = (exactMaxArg: number, someArg: number): string => `
local live = {}
for _, b in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do live[b] = true end
local n = redis.call('ZCOUNT', KEYS[2], now, '+inf')
local entries
if n <= tonumber(ARGV[${exactMaxArg}]) then
  entries = redis.call('ZRANGEBYSCORE', KEYS[2], now, '+inf')
else
  entries = redis.call('ZRANGEBYSCORE', KEYS[2], now, '+inf', 'LIMIT', 0, tonumber(ARGV[${someArg}]))
end
local out = {}
for _, e in ipairs(entries) do
  local bar = string.find(e, '|', 1, true)
  if bar and live[string.sub(e, 1, bar - 1)] then out[#out + 1] = e end
end
`;

/**
 * A room's live entries. Returns [entries, names] (see {@link readLua}).
 * KEYS: boots, entries. ARGV: now, exactMax, some.
 */
const READ_SCRIPT = `
local now = tonumber(ARGV[1])
${readLua(2, 3)}
return {n, out}
`;

/**
 * A join, in one round trip: adds the member entry and renews this instance's mark (when
 * ARGV[2] is '1'), then reads the room's members and who is typing. Returns [1 if this
 * instance's mark was missing, entries, names, typing].
 * KEYS: boots, entries, typing. ARGV: now, add, member, entryExpiry, keyTtlMs, bootExpiry,
 * bootId, exactMax, some.
 */
const JOIN_SCRIPT = `
local now = tonumber(ARGV[1])
local missing = 0
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  missing = redis.call('ZADD', KEYS[1], ARGV[6], ARGV[7])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
${readLua(8, 9)}
return {missing, n, out, redis.call('ZRANGEBYSCORE', KEYS[3], now, '+inf')}
`;

/**
 * A leave: drops the member entry and, when it was this instance's last member in the room
 * (ARGV[3] is '1'), this instance's mark. A script rather than MULTI: the command connection
 * pipelines commands automatically and sends a MULTI at once, ahead of commands still queued,
 * so a leave could overtake the join or the heartbeat renewal before it and be undone by it.
 * KEYS: boots, entries. ARGV: member, bootId, last.
 */
const LEAVE_SCRIPT = `
local n = redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[3] == '1' then redis.call('ZREM', KEYS[1], ARGV[2]) end
return n
`;

/** What a room's channel carries when a user starts or stops typing: `typing:<0|1>:<user>`. */
export const TYPING_NOTICE = 'typing:';

/**
 * A user starts (ARGV[2] '1': marked until ARGV[3], the key outliving the newest mark by
 * ARGV[4] ms) or stops typing, and the room's channel says so ({@link TYPING_NOTICE}; user
 * names hold no `:`): one round trip, in order with the room's other notices and messages.
 * KEYS: typing, the room's channel. ARGV: user, '1' or '0', expiry, keyTtlMs.
 */
const TYPING_SCRIPT = `
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('SPUBLISH', KEYS[2], '${TYPING_NOTICE}' .. ARGV[2] .. ':' .. ARGV[1])
return 1
`;

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
    redis.defineCommand('chatPresenceBeat', { numberOfKeys: 2, lua: BEAT_SCRIPT });
    redis.defineCommand('chatPresenceRead', { numberOfKeys: 2, lua: READ_SCRIPT });
    redis.defineCommand('chatPresenceJoin', { numberOfKeys: 3, lua: JOIN_SCRIPT });
    redis.defineCommand('chatPresenceLeave', { numberOfKeys: 2, lua: LEAVE_SCRIPT });
    redis.defineCommand('chatTyping', { numberOfKeys: 2, lua: TYPING_SCRIPT });
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
