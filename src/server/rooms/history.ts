import type { Result } from 'ioredis';
import { compareIds, type ChatMessage, type MessageKind } from '../../protocol/index.js';
import { Changes } from './edits.js';
import { toMessage, type StreamEntry } from './stream-entry.js';
import { isDirectRoom } from './direct.js';
import type { Keys } from '../redis/keys.js';
import { randomId } from '../redis/ids.js';
import type { RedisConn } from '../redis/clients.js';
import { defineScript } from '../redis/scripts.js';

/**
 * Stores a message and publishes it in one atomic step, inside the room's own slot:
 * - a repeated (room, user, clientMsgId) returns the first id and stores nothing (idempotent
 *   retries, also when ioredis resends a command after a reconnect);
 * - the per-room sequence number, the stream entry and the publish on the room's channel
 *   happen together, so every subscribed instance receives the room's messages in id order,
 *   and nothing is published that was not stored;
 * - the room's epoch is made on its first message (or after its meta was lost) and travels
 *   with every message: a client holding another epoch knows its positions mean nothing now.
 *
 * KEYS: log, meta, dedupe, channel. ARGV: maxlen, dedupeTtlSec, from, text, kind,
 * clientMsgId, room, epochCandidate.
 */
const APPEND_SCRIPT = `
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[8]
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'seq', 0)
end
local prev = redis.call('GET', KEYS[3])
if prev then
  local sep = string.find(prev, '|', 1, true)
  return {0, string.sub(prev, 1, sep - 1), tonumber(string.sub(prev, sep + 1)), epoch}
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*',
  'seq', seq, 'from', ARGV[3], 'text', ARGV[4], 'kind', ARGV[5], 'cmid', ARGV[6])
redis.call('SET', KEYS[3], id .. '|' .. seq, 'EX', ARGV[2])
local ms = tonumber(string.match(id, '^(%d+)'))
redis.call('SPUBLISH', KEYS[4], cjson.encode({id = id, seq = seq, room = ARGV[7], from = ARGV[3],
  text = ARGV[4], ts = ms, kind = ARGV[5], clientMsgId = ARGV[6], epoch = epoch}))
return {1, id, seq, epoch}
`;

/**
 * The room's sequence and epoch, making the epoch if the room has none yet (a join of a new
 * room, or of one whose meta was lost), so a joiner always learns the epoch it resumes in.
 * KEYS: meta. ARGV: epochCandidate.
 */
const META_SCRIPT = `
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  redis.call('HSETNX', KEYS[1], 'seq', 0)
end
return redis.call('HMGET', KEYS[1], 'seq', 'epoch')
`;

/** How long a client message id is remembered for deduplication. */
export const DEDUPE_TTL_SEC = 15 * 60;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatAppend(
      log: string,
      meta: string,
      dedupe: string,
      channel: string,
      maxlen: number,
      ttl: number,
      from: string,
      text: string,
      kind: string,
      cmid: string,
      room: string,
      epochCandidate: string,
    ): Result<[number, string, number, string], Context>;
    chatRoomMeta(meta: string, epochCandidate: string): Result<[string | null, string], Context>;
  }
}

export function defineHistoryCommands(redis: RedisConn): void {
  defineScript(redis, 'chatAppend', { numberOfKeys: 4, lua: APPEND_SCRIPT });
  defineScript(redis, 'chatRoomMeta', { numberOfKeys: 1, lua: META_SCRIPT });
}

/** A fresh epoch: random, short, and never reused in practice. */
export function newEpoch(): string {
  return randomId(6);
}

export interface AppendInput {
  room: string;
  from: string;
  text: string;
  kind: MessageKind;
  clientMsgId: string;
}

export interface AppendResult {
  id: string;
  seq: number;
  ts: number;
  epoch: string;
  duplicate: boolean;
  /** Replicas that confirmed the write (only counted when `waitReplicas` > 0). */
  replicas?: number;
}

export interface HistoryOptions {
  maxLen: number;
  /**
   * After each append, wait (Redis WAIT) until this many replicas have the write, at most
   * `waitTimeoutMs`: narrows what a failover can lose, at a latency cost (bench/RESULTS.md).
   */
  waitReplicas: number;
  waitTimeoutMs: number;
}

export interface Page {
  messages: ChatMessage[];
  hasMore: boolean;
  truncated: boolean;
}

export interface RoomMeta {
  /** Sequence number of the room's newest message (0 for none). */
  seq: number;
  epoch: string;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The room index is written at most this often per room and instance (it orders `/rooms`). */
const ROOM_TOUCH_EVERY_MS = 1000;

/** Room history in one Redis stream per room, capped at `maxLen` entries. */
export class History {
  /** room -> when this instance last wrote its activity to the room index. */
  private readonly touched = new Map<string, number>();
  /** Edits and deletes of the room's messages, and reading messages as they are now. */
  readonly changes: Changes;

  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
    private readonly opts: HistoryOptions,
  ) {
    defineHistoryCommands(redis);
    this.changes = new Changes(redis, keys, opts.maxLen, DEDUPE_TTL_SEC);
  }

  async append(input: AppendInput): Promise<AppendResult> {
    const { room, from, text, kind, clientMsgId } = input;
    const args = [
      this.keys.roomLog(room),
      this.keys.roomMeta(room),
      this.keys.sendDedupe(room, from, clientMsgId),
      this.keys.roomChannel(room),
      this.opts.maxLen,
      DEDUPE_TTL_SEC,
      from,
      text,
      kind,
      clientMsgId,
      room,
      newEpoch(),
    ] as const;
    let reply: [number, string, number, string];
    let replicas: number | undefined;
    const touch = this.touch(room);
    if (this.opts.waitReplicas > 0) {
      // WAIT has no key: in one pipeline it goes to the node that took the append. A
      // pipeline caught by a failover can stay unsettled: bound it (the client retries).
      const res = await withTimeout(
        this.redis
          .pipeline()
          .chatAppend(...args)
          .wait(this.opts.waitReplicas, this.opts.waitTimeoutMs)
          .exec(),
        this.opts.waitTimeoutMs + 3000,
      );
      const [[err, value] = [null, null], [, acked] = [null, 0]] = res ?? [];
      if (err) throw err;
      if (!value) throw new Error('Connection is closed.');
      reply = value as [number, string, number, string];
      replicas = Number(acked);
    } else {
      reply = await this.redis.chatAppend(...args);
    }
    await touch;
    const [fresh, id, seq, epoch] = reply;
    return {
      id,
      seq: Number(seq),
      ts: Number(id.split('-')[0]),
      epoch,
      duplicate: fresh === 0,
      ...(replicas !== undefined ? { replicas } : {}),
    };
  }

  /**
   * Records the room's activity in the room index (another slot than the room's keys, so not
   * in the append script); at most once a second per room from this instance.
   */
  private async touch(room: string): Promise<void> {
    const now = Date.now();
    if (now - (this.touched.get(room) ?? 0) < ROOM_TOUCH_EVERY_MS) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(room, now);
    await this.redis.zadd(isDirectRoom(room) ? this.keys.directs() : this.keys.rooms(), now, room);
  }

  /**
   * The room's sequence and epoch, making the epoch of a room that has none: for a join,
   * which creates the room. Reads use {@link peekMeta}.
   */
  async meta(room: string): Promise<RoomMeta> {
    const [seq, epoch] = await this.redis.chatRoomMeta(this.keys.roomMeta(room), newEpoch());
    return { seq: Number(seq ?? 0), epoch };
  }

  /**
   * The room's sequence and epoch without making anything: undefined for a room that has no
   * epoch (never joined nor written to, or its meta was lost). A read of a room that does not
   * exist must leave it not existing.
   */
  async peekMeta(room: string): Promise<RoomMeta | undefined> {
    const [seq, epoch] = await this.redis.hmget(this.keys.roomMeta(room), 'seq', 'epoch');
    return epoch ? { seq: Number(seq ?? 0), epoch } : undefined;
  }

  /** The newest `limit` messages, oldest first. */
  async latest(room: string, limit: number): Promise<Page> {
    const entries = (await this.redis.xrevrange(
      this.keys.roomLog(room),
      '+',
      '-',
      'COUNT',
      limit,
    )) as StreamEntry[];
    const messages = entries.reverse().map((e) => toMessage(room, e));
    return { messages, hasMore: false, truncated: false };
  }

  /**
   * Messages after `since` (exclusive), oldest first. `truncated` is true when `since` itself is
   * no longer kept and older than what is: messages after it may have been trimmed away.
   */
  async after(room: string, since: string, limit: number): Promise<Page> {
    const key = this.keys.roomLog(room);
    const replies = (await this.redis
      .multi()
      .xrange(key, `(${since}`, '+', 'COUNT', limit + 1)
      .xrange(key, since, since)
      .xrange(key, '-', '+', 'COUNT', 1)
      .exec()) as [Error | null, StreamEntry[]][] | null;
    if (!replies) throw new Error('Connection is closed.');
    const err = replies.find(([e]) => e)?.[0];
    if (err) throw err;
    const [range, self, first] = replies.map(([, v]) => v) as [
      StreamEntry[],
      StreamEntry[],
      StreamEntry[],
    ];
    const hasMore = range.length > limit;
    const messages = range.slice(0, limit).map((e) => toMessage(room, e));
    const firstId = first[0]?.[0];
    const truncated = self.length === 0 && firstId !== undefined && compareIds(since, firstId) < 0;
    return { messages, hasMore, truncated };
  }

  /** Messages before `before` (exclusive), oldest first: for scrolling back. */
  async before(room: string, before: string, limit: number): Promise<Page> {
    const entries = (await this.redis.xrevrange(
      this.keys.roomLog(room),
      `(${before}`,
      '-',
      'COUNT',
      limit + 1,
    )) as StreamEntry[];
    const hasMore = entries.length > limit;
    const messages = entries
      .slice(0, limit)
      .reverse()
      .map((e) => toMessage(room, e));
    return { messages, hasMore, truncated: false };
  }
}

/**
 * Stamps a page read from the stream with the room's epoch (kept in its meta, not per entry);
 * a room without an epoch stamps nothing.
 */
export function inEpoch(page: Page, epoch: string | undefined): Page {
  if (epoch !== undefined) for (const m of page.messages) m.epoch = epoch;
  return page;
}

/** Parses a room channel publication back into a message (the script's cjson output). */
export function parseFanout(raw: string): ChatMessage | null {
  try {
    const m = JSON.parse(raw) as ChatMessage;
    if (typeof m.id !== 'string' || typeof m.room !== 'string') return null;
    if (!m.clientMsgId) delete m.clientMsgId;
    if (!m.ref) delete m.ref;
    return m;
  } catch {
    return null;
  }
}
