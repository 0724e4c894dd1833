import type { Redis, Result } from 'ioredis';
import { compareIds, type ChatMessage, type MessageKind } from '../protocol/index.js';
import type { Keys } from './keys.js';

/**
 * Stores a message and publishes it in one atomic step:
 * - a repeated (room, user, clientMsgId) returns the first id and stores nothing (idempotent
 *   retries, also when ioredis resends a command after a reconnect);
 * - the per-room sequence number, the stream entry and the publish happen together, so every
 *   instance receives messages in id order, and nothing is published that was not stored.
 *
 * KEYS: log, seq, dedupe, rooms. ARGV: maxlen, dedupeTtlSec, from, text, kind, clientMsgId,
 * channel, room.
 */
const APPEND_SCRIPT = `
local prev = redis.call('GET', KEYS[3])
if prev then
  local sep = string.find(prev, '|', 1, true)
  return {0, string.sub(prev, 1, sep - 1), tonumber(string.sub(prev, sep + 1))}
end
local seq = redis.call('INCR', KEYS[2])
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*',
  'seq', seq, 'from', ARGV[3], 'text', ARGV[4], 'kind', ARGV[5], 'cmid', ARGV[6])
redis.call('SET', KEYS[3], id .. '|' .. seq, 'EX', ARGV[2])
local ms = tonumber(string.match(id, '^(%d+)'))
redis.call('ZADD', KEYS[4], ms, ARGV[8])
redis.call('PUBLISH', ARGV[7], cjson.encode({id = id, seq = seq, room = ARGV[8], from = ARGV[3],
  text = ARGV[4], ts = ms, kind = ARGV[5], clientMsgId = ARGV[6]}))
return {1, id, seq}
`;

/** How long a client message id is remembered for deduplication. */
export const DEDUPE_TTL_SEC = 15 * 60;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatAppend(
      log: string,
      seq: string,
      dedupe: string,
      rooms: string,
      maxlen: number,
      ttl: number,
      from: string,
      text: string,
      kind: string,
      cmid: string,
      channel: string,
      room: string,
    ): Result<[number, string, number], Context>;
  }
}

export function defineHistoryCommands(redis: Redis): void {
  redis.defineCommand('chatAppend', { numberOfKeys: 4, lua: APPEND_SCRIPT });
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
  duplicate: boolean;
}

type StreamEntry = [id: string, fields: string[]];

function toMessage(room: string, [id, fields]: StreamEntry): ChatMessage {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  const msg: ChatMessage = {
    id,
    seq: Number(f.seq),
    room,
    from: f.from ?? '',
    text: f.text ?? '',
    ts: Number(id.split('-')[0]),
    kind: f.kind === 'action' || f.kind === 'broadcast' ? f.kind : 'text',
  };
  if (f.cmid) msg.clientMsgId = f.cmid;
  return msg;
}

export interface Page {
  messages: ChatMessage[];
  hasMore: boolean;
  truncated: boolean;
}

/** Room history in one Redis stream per room, capped at `maxLen` entries. */
export class History {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly maxLen: number,
  ) {
    defineHistoryCommands(redis);
  }

  async append(input: AppendInput): Promise<AppendResult> {
    const { room, from, text, kind, clientMsgId } = input;
    const [fresh, id, seq] = await this.redis.chatAppend(
      this.keys.roomLog(room),
      this.keys.roomSeq(room),
      this.keys.sendDedupe(room, from, clientMsgId),
      this.keys.rooms(),
      this.maxLen,
      DEDUPE_TTL_SEC,
      from,
      text,
      kind,
      clientMsgId,
      this.keys.fanoutChannel(),
      room,
    );
    return { id, seq: Number(seq), ts: Number(id.split('-')[0]), duplicate: fresh === 0 };
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

  async lastSeq(room: string): Promise<number> {
    const v = await this.redis.get(this.keys.roomSeq(room));
    return v ? Number(v) : 0;
  }
}

/** Parses a fan-out publication back into a message (the script's cjson output). */
export function parseFanout(raw: string): ChatMessage | null {
  try {
    const m = JSON.parse(raw) as ChatMessage;
    if (typeof m.id !== 'string' || typeof m.room !== 'string') return null;
    if (!m.clientMsgId) delete m.clientMsgId;
    return m;
  } catch {
    return null;
  }
}
