import type { Result } from 'ioredis';
import {
  ChatError,
  ErrorCode,
  MARKS_MAX,
  MARKS_MENTIONS_MAX,
  MARKS_ROOMS_MAX,
  SAVED_ROOMS_MAX,
  compareIds,
  countsOnTab,
  directAddress,
  directPeer,
  isMention,
  type ChatMessage,
  type MarkUpdate,
  type MarksSummary,
  type UnreadRoom,
} from '../../protocol/index.js';
import { directUsers, isOwner, roomFor } from './direct.js';
import { isChange, type Changes } from './edits.js';
import { defineLogRange, readLog, toMessage, type StreamEntry } from './stream-entry.js';
import type { Keys } from '../redis/keys.js';
import type { RedisConn } from '../redis/clients.js';
import { defineScript } from '../redis/scripts.js';

/**
 * Moves a read marker forward, never back, and bounds how many a user has.
 * KEYS: marks. ARGV: room (as the user names it), id, most markers.
 * Returns {1, id} (moved), {0, the marker in force} (it was already there or further), or
 * {-1, ''} (a new room past the bound: nothing changed).
 */
const MARK_SCRIPT = `
local function parts(id)
  local ms, n = string.match(id, '^(%d+)-(%d+)$')
  return ms, n
end
local function newer(a, b)
  local am, an = parts(a)
  local bm, bn = parts(b)
  if #am ~= #bm then return #am > #bm end
  if am ~= bm then return am > bm end
  if #an ~= #bn then return #an > #bn end
  return an > bn
end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  if not newer(ARGV[2], cur) then return {0, cur} end
elseif redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return {-1, ''}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, ARGV[2]}
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatMarkSet(
      marks: string,
      room: string,
      id: string,
      max: number,
    ): Result<[number, string], Context>;
  }
}

/**
 * Entries one `marks:fetch` reads in all, spread over the rooms it looks at (at most
 * {@link SCAN_PER_ROOM} each): a user with many rooms cannot make a connect expensive.
 */
const SCAN_BUDGET = 20_000;
const SCAN_PER_ROOM = 1000;
const SCAN_PER_ROOM_MIN = 20;

/** A user's conversations index is written at most this often per conversation and instance. */
const DIRECT_TOUCH_EVERY_MS = 1000;

/** What one room adds to a summary. */
interface RoomReading {
  unread: UnreadRoom | undefined;
  mentions: ChatMessage[];
}

/**
 * Each user's read markers, the rooms they keep for the next start, and the index of their
 * direct conversations, all in the user's slot (`user:{<name>}:...`); and the summary a
 * client asks for when it starts (`marks:fetch`), read room by room, each in its own slot.
 */
export class Marks {
  /** Conversation -> when this instance last wrote it to its users' indexes. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
    /** Reads messages as they are now (edited, deleted). */
    private readonly changes: Changes,
  ) {
    defineScript(redis, 'chatMarkSet', { numberOfKeys: 1, lua: MARK_SCRIPT });
    defineLogRange(redis);
  }

  /**
   * The user has seen `address` (the internal `room`) up to `id`, which must be one of its
   * messages. Returns the marker in force and whether it moved.
   */
  async set(
    user: string,
    address: string,
    room: string,
    id: string,
  ): Promise<MarkUpdate & { moved: boolean }> {
    const found = (await this.redis.xrange(this.keys.roomLog(room), id, id)) as StreamEntry[];
    if (found.length === 0) {
      throw new ChatError(ErrorCode.NotFound, `${address} has no message ${id} (any more)`);
    }
    const [moved, inForce] = await this.redis.chatMarkSet(
      this.keys.userMarks(user),
      address,
      id,
      MARKS_MAX,
    );
    if (moved === -1) {
      throw new ChatError(
        ErrorCode.BadRequest,
        `you have read markers in ${MARKS_MAX} rooms, the most kept; leave a room to mark another`,
      );
    }
    return { room: address, id: inForce, moved: moved === 1 };
  }

  /** The user's marker in a room (as they name it), if any. */
  async readTo(user: string, address: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.userMarks(user), address)) ?? undefined;
  }

  /** Keeps a room for the user's next start (the oldest go past {@link SAVED_ROOMS_MAX}). */
  async remember(user: string, address: string): Promise<void> {
    const key = this.keys.userRooms(user);
    await this.exec(
      this.redis
        .multi()
        .zadd(key, 'NX', Date.now(), address)
        .zremrangebyrank(key, 0, -(SAVED_ROOMS_MAX + 1)),
    );
  }

  /**
   * The user left a room: it is not opened again, and its marker goes. A conversation closed
   * keeps its marker: it comes back by itself when the peer writes again, and only what is
   * new then is unread.
   */
  async forget(user: string, address: string): Promise<void> {
    const multi = this.redis.multi().zrem(this.keys.userRooms(user), address);
    if (directPeer(address) === undefined) multi.hdel(this.keys.userMarks(user), address);
    await this.exec(multi);
  }

  /**
   * A message in a direct conversation: both users' indexes of conversations say so (each in
   * its own slot: two steps), so one who was away finds it when they come back. At most once
   * a second per conversation from this instance; bounded to the newest conversations.
   */
  async directActivity(room: string): Promise<void> {
    const users = directUsers(room);
    if (!users) return;
    const now = Date.now();
    if (now - (this.touched.get(room) ?? 0) < DIRECT_TOUCH_EVERY_MS) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(room, now);
    const [a, b] = users;
    await Promise.all(
      [
        [a, b],
        [b, a],
      ].map(([self, peer]) => {
        const key = this.keys.userDirects(self!);
        return this.exec(
          this.redis
            .multi()
            .zadd(key, now, peer!)
            .zremrangebyrank(key, 0, -(MARKS_ROOMS_MAX + 1)),
        );
      }),
    );
  }

  /**
   * Where the user stands: the rooms they keep, every room and conversation with messages after
   * their marker (looked at: kept rooms, conversations, marked rooms, at most
   * {@link MARKS_ROOMS_MAX}), and the mentions among those messages. The messages of `ignore`
   * (the client's ignore list) count as the user's own do: not at all.
   */
  async summary(
    user: string,
    ignore: readonly string[] = [],
    /** The user's account (`<name>:<created>`): its conversations only. */
    account?: string,
  ): Promise<MarksSummary> {
    const k = this.keys;
    const [rooms, peers, marks] = (await this.exec(
      this.redis
        .multi()
        .zrange(k.userRooms(user), '0', '-1')
        .zrevrange(k.userDirects(user), '0', String(MARKS_ROOMS_MAX - 1))
        .hgetall(k.userMarks(user)),
    )) as [string[], string[], Record<string, string>];
    const looked = [
      ...new Set([...rooms, ...peers.map(directAddress), ...Object.keys(marks)]),
    ].slice(0, MARKS_ROOMS_MAX);
    const perRoom = Math.max(
      SCAN_PER_ROOM_MIN,
      Math.min(SCAN_PER_ROOM, Math.floor(SCAN_BUDGET / Math.max(1, looked.length))),
    );
    const left = new Set(ignore);
    const readings = await Promise.all(
      looked.map((address) => this.reading(user, address, marks[address], perRoom, left, account)),
    );
    const unread = readings
      .flatMap((r) => (r.unread ? [r.unread] : []))
      .sort((x, y) => y.lastTs - x.lastTs);
    const mentions = readings
      .flatMap((r) => r.mentions)
      .sort((x, y) => x.ts - y.ts || compareIds(x.id, y.id))
      .slice(-MARKS_MENTIONS_MAX);
    return { rooms, unread, mentions };
  }

  /**
   * One room's unread messages after the marker. The count comes from sequence numbers (the
   * room's last against the marker's), so it is exact however many there are; the newest
   * `scan` entries are read for the mentions and the last sender, as they are now (edited
   * text), and the user's own messages, those of `ignored` users, deleted ones and the
   * entries that record edits and deletes (they take sequence numbers too) are not counted.
   */
  private async reading(
    user: string,
    address: string,
    readTo: string | undefined,
    scan: number,
    ignored: ReadonlySet<string>,
    account: string | undefined,
  ): Promise<RoomReading> {
    const none: RoomReading = { unread: undefined, mentions: [] };
    let room: string;
    try {
      room = roomFor(user, address);
    } catch {
      return none; // not a room this user can name (nothing valid stores one)
    }
    const log = this.keys.roomLog(room);
    const pipe = this.redis.multi().hmget(this.keys.roomMeta(room), 'seq', 'owners');
    if (readTo) pipe.xrange(log, readTo, readTo);
    const [[seqRaw, owners], markEntries = []] = (await this.exec(pipe)) as [
      [string | null, string | null],
      StreamEntry[] | undefined,
    ];
    // A conversation of an earlier holder of this user's name (a deletion did not find it) is
    // none of theirs, though the other side's new messages put it on their list.
    if (owners && account !== undefined && !isOwner(owners, account)) return none;
    const lastSeq = Number(seqRaw ?? 0);
    const markSeq = markEntries[0] ? toMessage(room, markEntries[0]).seq : readTo ? undefined : 0;
    // Known exactly unless the marker's message is no longer kept (or from a reset history).
    let count = markSeq !== undefined && markSeq <= lastSeq ? lastSeq - markSeq : undefined;
    if (count === 0 || lastSeq === 0) return none;
    const entries = await readLog(
      this.redis,
      log,
      'XREVRANGE',
      '+',
      readTo ? `(${readTo}` : '-',
      count === undefined ? scan : Math.min(scan, count),
    );
    if (entries.length === 0) return none;
    const said = await this.changes.fold(
      room,
      entries.map((e) => toMessage(room, e)).filter((m) => !isChange(m)),
    );
    const messages = said
      .filter((m) => !m.deleted && m.from !== user && !ignored.has(m.from))
      .map((m) => ({ ...m, room: address }));
    const scannedAll = entries.length < scan || (count !== undefined && entries.length >= count);
    count = (count ?? entries.length) - (entries.length - messages.length);
    if (count <= 0 || messages.length === 0) return none;
    // The last sender: the newest message not the user's own (nor an ignored user's).
    const newest = messages[0]!;
    return {
      unread: {
        room: address,
        unread: count,
        mentions: messages.filter((m) => countsOnTab(m, address, user)).length,
        partial: !scannedAll,
        lastFrom: newest.from,
        lastId: newest.id,
        lastSeq: newest.seq,
        lastTs: newest.ts,
        ...(readTo ? { readTo } : {}),
      },
      mentions: messages.filter((m) => isMention(m, user)),
    };
  }

  /** Runs a MULTI (one slot) and returns its replies, throwing the first error. */
  private async exec(multi: ReturnType<RedisConn['multi']>): Promise<unknown[]> {
    const replies = await multi.exec();
    if (!replies) throw new Error('Connection is closed.');
    const err = replies.find(([e]) => e)?.[0];
    if (err) throw err;
    return replies.map(([, v]) => v);
  }
}
