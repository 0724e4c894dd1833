import type { Result } from 'ioredis';
import type { ChatMessage, MessageKind } from '../../protocol/index.js';
import type { RedisConn } from '../redis/clients.js';
import { defineScript } from '../redis/scripts.js';

/** One entry of a room's stream as XRANGE gives it (the range scripts send these as JSON). */
export type StreamEntry = [id: string, fields: string[]];

const KINDS: ReadonlySet<string> = new Set<MessageKind>(['action', 'broadcast', 'edit', 'delete']);

/** A stream entry as a message (its epoch is the room's, stamped by `inEpoch` in history.ts). */
export function toMessage(room: string, [id, fields]: StreamEntry): ChatMessage {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  const msg: ChatMessage = {
    id,
    seq: Number(f.seq),
    room,
    from: f.from ?? '',
    text: f.text ?? '',
    ts: Number(id.split('-')[0]),
    kind: f.kind !== undefined && KINDS.has(f.kind) ? (f.kind as MessageKind) : 'text',
  };
  if (f.cmid) msg.clientMsgId = f.cmid;
  if (f.ref) msg.ref = f.ref;
  return msg;
}

/**
 * A Lua expression: the stream entries in the Lua local named `entries` (an XRANGE reply) as the JSON
 * {@link parseEntries} reads, '' for none (cjson would encode an empty table as `{}`).
 */
export const entriesJsonLua = (entries: string): string =>
  `(#${entries} > 0 and cjson.encode(${entries}) or '')`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatLogRange(
      log: string,
      order: 'XRANGE' | 'XREVRANGE',
      start: string,
      end: string,
      count: number,
    ): Result<string, Context>;
  }
}

/**
 * XRANGE or XREVRANGE of a room's stream, its entries sent back as one JSON string (cjson, as
 * a room's channel carries a message; '' for none). ioredis decodes a reply value by value:
 * the nested arrays of a search step's 1000 entries cost the instance 8.4 ms of CPU against
 * 2.0 ms for the string and its parse, and Redis 3.5 against 2.2 ms (`bench/reply-probe.ts`;
 * bench/ANALYSIS.md, section w).
 *
 * KEYS[1] the stream. ARGV: the command, start, end, COUNT.
 */
const LOG_RANGE = `
local e = redis.call(ARGV[1], KEYS[1], ARGV[2], ARGV[3], 'COUNT', ARGV[4])
return ${entriesJsonLua('e')}
`;

/** Defines {@link readLog}'s script on `redis` (once per connection is enough; again is fine). */
export function defineLogRange(redis: RedisConn): void {
  defineScript(redis, 'chatLogRange', { numberOfKeys: 1, lua: LOG_RANGE });
}

/** Parses the entries of a page or range the scripts send back as JSON ('' for none). */
export function parseEntries(json: string): StreamEntry[] {
  return json === '' ? [] : (JSON.parse(json) as StreamEntry[]);
}

/**
 * Up to `count` entries of the stream `log` from `start` to `end`, oldest first (`XRANGE`)
 * or newest first (`XREVRANGE`, `start` then being the newer end), as the commands take them.
 */
export async function readLog(
  redis: RedisConn,
  log: string,
  order: 'XRANGE' | 'XREVRANGE',
  start: string,
  end: string,
  count: number,
): Promise<StreamEntry[]> {
  return parseEntries(await redis.chatLogRange(log, order, start, end, count));
}
