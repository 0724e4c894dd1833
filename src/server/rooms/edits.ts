import type { Result } from 'ioredis';
import { ChatError, ErrorCode, SEARCH_SCAN_MAX, type ChatMessage } from '../../protocol/index.js';
import type { Keys } from '../redis/keys.js';
import type { RedisConn } from '../redis/clients.js';
import { defineLogRange, readLog, toMessage } from './stream-entry.js';
import { defineScript } from '../redis/scripts.js';

/**
 * How far apart the clocks of an instance (an account's creation time) and Redis (a message's
 * id) may be without a user's own first messages reading as an earlier account's (only for
 * messages stored without their sender's `since`).
 */
const SINCE_SLACK_MS = 1000;

/**
 * Edits and deletes of a message, stored as new entries of the room's stream (kind `edit` or
 * `delete`, `ref` = the message's id) in one atomic step inside the room's slot:
 * - a repeated (room, user, clientMsgId) returns the first answer and stores nothing (the
 *   send's dedupe key: a retried edit is stored once);
 * - the message must still be in the stream, be a text or `/me` message, be the sender's own
 *   and not be deleted; otherwise nothing is written (-1 not found or deleted, -2 not the
 *   sender's, -3 not a kind that can change);
 * - the change takes the room's next sequence number like any message, so it is delivered,
 *   resumed and deduped by the same cursor, and is published on the room's channel;
 * - the message's current state is kept beside the log (`edits`: id -> `<rev>|<e|d>|<text>`,
 *   `order`: id by time), so a page or a search shows any message as it is now in one
 *   HMGET; states of messages trimmed from the log are forgotten here, a few per change.
 *
 * A message keeps when its sender's account was made (`since`): one of another account's time
 * was an earlier account's of the name (deleted, the name registered again), not the sender's
 * (-2). A message stored by an instance of an earlier version has none: it is the sender's
 * unless older than the account, less a second for the clocks of the instance that made the
 * account and of Redis.
 *
 * A change retried across a rolling upgrade may have been stored by an instance of a version
 * that kept its dedupe key under the client's id alone (`legacy`): an entry found there that is
 * this same change (kind and message) answers as a duplicate.
 *
 * KEYS: log, meta, dedupe, channel, edits, order, legacy dedupe.
 * ARGV: maxlen, dedupeTtlSec, from, ref, text, kind (edit|delete), clientMsgId, room,
 * since (when the sender's account was made).
 */
const CHANGE_SCRIPT = `
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then return {-1} end
local function fields(entry)
  local f, t = entry[2], {}
  for i = 1, #f, 2 do t[f[i]] = f[i + 1] end
  return t
end
local prev = redis.call('GET', KEYS[3])
if not prev then
  local legacy = redis.call('GET', KEYS[7])
  if legacy then
    local done = redis.call('XRANGE', KEYS[1], string.match(legacy, '^[^|]+'), string.match(legacy, '^[^|]+'))[1]
    if done then
      local d = fields(done)
      if d.kind == ARGV[6] and d.ref == ARGV[4] and d.from == ARGV[3] then prev = legacy end
    end
  end
end
if prev then
  local sep = string.find(prev, '|', 1, true)
  return {0, string.sub(prev, 1, sep - 1), tonumber(string.sub(prev, sep + 1)), epoch}
end
local orig = redis.call('XRANGE', KEYS[1], ARGV[4], ARGV[4])
if #orig == 0 then return {-1} end
local o = fields(orig[1])
if o.kind ~= 'text' and o.kind ~= 'action' then return {-3} end
if o.from ~= ARGV[3] then return {-2} end
if o.since ~= nil and o.since ~= '' then
  if o.since ~= ARGV[9] then return {-2} end
elseif tonumber(string.match(ARGV[4], '^(%d+)')) < tonumber(ARGV[9]) - ${SINCE_SLACK_MS} then
  return {-2}
end
local state = redis.call('HGET', KEYS[5], ARGV[4])
if state and string.match(state, '^[^|]*|d|') then return {-1} end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*',
  'seq', seq, 'from', ARGV[3], 'text', ARGV[5], 'kind', ARGV[6], 'cmid', ARGV[7], 'ref', ARGV[4])
redis.call('SET', KEYS[3], id .. '|' .. seq, 'EX', ARGV[2])
local flag = 'e'
if ARGV[6] == 'delete' then flag = 'd' end
redis.call('HSET', KEYS[5], ARGV[4], id .. '|' .. flag .. '|' .. ARGV[5])
redis.call('ZADD', KEYS[6], tonumber(string.match(ARGV[4], '^(%d+)')), ARGV[4])
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if first[1] then
  local fms = string.match(first[1][1], '^(%d+)')
  local old = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', '(' .. fms, 'LIMIT', 0, 64)
  if #old > 0 then
    redis.call('HDEL', KEYS[5], unpack(old))
    redis.call('ZREM', KEYS[6], unpack(old))
  end
end
local ms = tonumber(string.match(id, '^(%d+)'))
redis.call('SPUBLISH', KEYS[4], cjson.encode({id = id, seq = seq, room = ARGV[8], from = ARGV[3],
  text = ARGV[5], ts = ms, kind = ARGV[6], clientMsgId = ARGV[7], epoch = epoch, ref = ARGV[4]}))
return {1, id, seq, epoch}
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatChange(
      log: string,
      meta: string,
      dedupe: string,
      channel: string,
      edits: string,
      order: string,
      legacyDedupe: string,
      maxlen: number,
      ttl: number,
      from: string,
      ref: string,
      text: string,
      kind: 'edit' | 'delete',
      cmid: string,
      room: string,
      since: number,
    ): Result<[number, string?, number?, string?], Context>;
  }
}

/** A change to store: `text` replaces the message's (`edit`), or the message goes (`delete`). */
export interface ChangeInput {
  room: string;
  from: string;
  /** The id of the message changed. */
  ref: string;
  kind: 'edit' | 'delete';
  /** The new text (empty for a delete). */
  text: string;
  clientMsgId: string;
  /** When the sender's account was made (ms); see the change script. */
  since: number;
}

/** Where the change entry was stored, as a send answers. */
export interface ChangeResult {
  id: string;
  seq: number;
  ts: number;
  epoch: string;
  duplicate: boolean;
}

/** A message's current state: the newest change of it. */
interface State {
  rev: string;
  deleted: boolean;
  text: string;
}

function parseState(raw: string | null): State | undefined {
  if (raw === null) return undefined;
  const a = raw.indexOf('|');
  const b = raw.indexOf('|', a + 1);
  if (a < 0 || b < 0) return undefined;
  return { rev: raw.slice(0, a), deleted: raw.slice(a + 1, b) === 'd', text: raw.slice(b + 1) };
}

/**
 * Text as search compares it: case and accents set aside, and written forms of one text made
 * one (NFC and NFD, `ß` and `ss`, `İ` and `i`). ASCII, most of what is searched, takes only
 * the lower-casing.
 */
export function searchFold(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase().toLowerCase();
}

/** Whether a message is a change (an `edit` or `delete` entry) rather than something said. */
export const isChange = (m: ChatMessage): boolean => m.kind === 'edit' || m.kind === 'delete';

/** One step of a search: hits newest first, what was read, where to go on. */
export interface SearchStep {
  hits: ChatMessage[];
  scanned: number;
  next?: string;
}

/** How a refusal of the change script reads. */
const REFUSED: Record<number, ChatError> = {
  [-1]: new ChatError(
    ErrorCode.NotFound,
    'no such message in this room: it was deleted, or is no longer kept',
  ),
  [-2]: new ChatError(ErrorCode.Forbidden, 'you can only change your own messages'),
  [-3]: new ChatError(
    ErrorCode.BadRequest,
    'only text and /me messages can be changed (not broadcasts, edits or deletes)',
  ),
};

/** Edits, deletes, and reading messages as they are now (pages, search). */
export class Changes {
  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
    private readonly maxLen: number,
    private readonly dedupeTtlSec: number,
  ) {
    defineScript(redis, 'chatChange', { numberOfKeys: 7, lua: CHANGE_SCRIPT });
    defineLogRange(redis);
  }

  /** Stores an edit or delete; refusals throw a {@link ChatError} and change nothing. */
  async change(input: ChangeInput): Promise<ChangeResult> {
    const { room, from, ref, kind, text, clientMsgId, since } = input;
    const k = this.keys;
    const [code, id, seq, epoch] = await this.redis.chatChange(
      k.roomLog(room),
      k.roomMeta(room),
      // Its own key: a client id names one request (this change of this message), so reused
      // for a send or another change it is that one, not a duplicate of this.
      k.sendDedupe(room, from, `${kind}:${ref}:${clientMsgId}`),
      k.roomChannel(room),
      k.roomEdits(room),
      k.roomEditOrder(room),
      k.sendDedupe(room, from, clientMsgId),
      this.maxLen,
      this.dedupeTtlSec,
      from,
      ref,
      text,
      kind,
      clientMsgId,
      room,
      since,
    );
    if (code < 0 || id === undefined || epoch === undefined) {
      throw REFUSED[code] ?? new Error(`change script answered ${code}`);
    }
    return {
      id,
      seq: Number(seq),
      ts: Number(id.split('-')[0]),
      epoch,
      duplicate: code === 0,
    };
  }

  /**
   * Shows messages read from the log as they are now: a changed message gets its current
   * text (empty when deleted) and `rev`; a change entry that a later one superseded gets
   * that later state (so a deleted message's old text is never served again). Mutates and
   * returns `messages`.
   */
  async fold(room: string, messages: ChatMessage[]): Promise<ChatMessage[]> {
    if (messages.length === 0) return messages;
    const targets = [...new Set(messages.map((m) => m.ref ?? m.id))];
    const raw = await this.redis.hmget(this.keys.roomEdits(room), ...targets);
    const states = new Map<string, State>();
    targets.forEach((t, i) => {
      const s = parseState(raw[i] ?? null);
      if (s) states.set(t, s);
    });
    if (states.size === 0) return messages;
    for (const m of messages) {
      const s = states.get(m.ref ?? m.id);
      if (!s || s.rev === m.id) continue;
      m.rev = s.rev;
      m.text = s.deleted ? '' : s.text;
      if (s.deleted) m.deleted = true;
    }
    return messages;
  }

  /**
   * One step of a search: reads at most SEARCH_SCAN_MAX entries before `before` (newest
   * first), and keeps the messages whose current text contains `needle`, ignoring case;
   * deleted messages and change entries are never hits. Stops early at `limit` hits.
   */
  async search(
    room: string,
    needle: string,
    before: string | undefined,
    limit: number,
    scanMax = SEARCH_SCAN_MAX,
  ): Promise<SearchStep> {
    const entries = await readLog(
      this.redis,
      this.keys.roomLog(room),
      'XREVRANGE',
      before === undefined ? '+' : `(${before}`,
      '-',
      scanMax,
    );
    const said = entries.map((e) => toMessage(room, e)).filter((m) => !isChange(m));
    await this.fold(room, said);
    const byId = new Map(said.map((m) => [m.id, m]));
    const want = searchFold(needle);
    const hits: ChatMessage[] = [];
    for (let i = 0; i < entries.length; i++) {
      const m = byId.get(entries[i]![0]);
      if (!m || m.deleted || !searchFold(m.text).includes(want)) continue;
      hits.push(m);
      if (hits.length === limit) {
        // Stopped early: the next step starts right after this hit.
        return i + 1 < entries.length || entries.length === scanMax
          ? { hits, scanned: i + 1, next: m.id }
          : { hits, scanned: i + 1 };
      }
    }
    const last = entries.at(-1)?.[0];
    return entries.length === scanMax && last !== undefined
      ? { hits, scanned: entries.length, next: last }
      : { hits, scanned: entries.length };
  }
}
