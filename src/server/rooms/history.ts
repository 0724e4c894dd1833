import type { Result } from 'ioredis';
import {
  ChatError,
  ErrorCode,
  compareIds,
  type ChatMessage,
  type MessageKind,
} from '../../protocol/index.js';
import { Changes } from './edits.js';
import { entriesJsonLua, parseEntries, toMessage } from './stream-entry.js';
import { directUsers, isDirectRoom } from './direct.js';
import { UNUSED_ROOM_TTL_SEC, type Keys } from '../redis/keys.js';
import { randomId } from '../redis/ids.js';
import type { RedisConn } from '../redis/clients.js';
import { defineScript } from '../redis/scripts.js';

/**
 * Stores a message and publishes it in one atomic step, inside the room's own slot:
 * - a repeated (room, user, clientMsgId) returns the first id and stores nothing (idempotent
 *   retries, also when ioredis resends a command after a reconnect), unless the first was
 *   stored in another epoch of the room (its history was reset, or a conversation opened
 *   afresh): it is not in the room's history any more, and is stored again;
 * - the per-room sequence number, the stream entry and the publish on the room's channel
 *   happen together, so every subscribed instance receives the room's messages in id order,
 *   and nothing is published that was not stored;
 * - a room's epoch is made on its first message (or after its meta was lost) and travels
 *   with every message: a client holding another epoch knows its positions mean nothing now;
 *   a direct conversation's only by a join, which checks both accounts (a send to one whose
 *   meta is gone: {-2});
 * - a direct conversation ended by the deletion of one of its accounts (its meta holds only
 *   `gone`, see `AccountOps.remove`) takes nothing: {-1, gone}, whoever still has it open;
 *   nor does one from an account that is not one of its two (`owners`, set by the join): a
 *   socket of a deleted account, once the next holder of the name has opened it ({-1, that
 *   account});
 * - a message makes the room's meta permanent (a join made it to expire: see
 *   `UNUSED_ROOM_TTL_SEC`; every message, not only the first, as an instance of the version
 *   before did not);
 * - the entry keeps when the sender's account was made (`since`), by which an edit or delete
 *   knows the account that wrote it from a later one of the same name.
 *
 * KEYS: log, meta, dedupe, channel. ARGV: maxlen, dedupeTtlSec, from, text, kind,
 * clientMsgId, room, epochCandidate, the sender account's creation time ('' for none: a broadcast).
 */
const APPEND_SCRIPT = `
local m = redis.call('HMGET', KEYS[2], 'epoch', 'gone', 'owners')
if m[2] then return {-1, m[2]} end
local epoch = m[1]
if m[3] and ARGV[9] ~= '' then
  local sender = ARGV[3] .. ':' .. ARGV[9]
  if not string.find(' ' .. m[3] .. ' ', ' ' .. sender .. ' ', 1, true) then return {-1, sender} end
end
if not epoch then
  if string.sub(ARGV[7], 1, 1) == '@' then return {-2, ''} end
  epoch = ARGV[8]
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'seq', 0)
end
local prev = redis.call('GET', KEYS[3])
if prev then
  local sep = string.find(prev, '|', 1, true)
  local sep2 = string.find(prev, '|', sep + 1, true)
  if not sep2 or string.sub(prev, sep2 + 1) == epoch then
    return {0, string.sub(prev, 1, sep - 1), tonumber(string.sub(prev, sep + 1, (sep2 or 0) - 1)), epoch}
  end
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*',
  'seq', seq, 'from', ARGV[3], 'text', ARGV[4], 'kind', ARGV[5], 'cmid', ARGV[6], 'since', ARGV[9])
redis.call('SET', KEYS[3], id .. '|' .. seq .. '|' .. epoch, 'EX', ARGV[2])
redis.call('PERSIST', KEYS[2])
local ms = tonumber(string.match(id, '^(%d+)'))
redis.call('SPUBLISH', KEYS[4], cjson.encode({id = id, seq = seq, room = ARGV[7], from = ARGV[3],
  text = ARGV[4], ts = ms, kind = ARGV[5], clientMsgId = ARGV[6], epoch = epoch}))
return {1, id, seq, epoch}
`;

/**
 * What a room's channel carries when its history starts over (a conversation opened afresh
 * by the next holder of a deleted account's name): its sockets are asked to resume it.
 */
export const RESET_NOTICE = 'reset';

/**
 * One page of a room's history with everything a join or a history request answers with, in
 * one call in the room's slot: the room's sequence and epoch (with `make`, making the epoch of
 * a room that has none: a join, which creates the room, to expire unless used, see
 * `UNUSED_ROOM_TTL_SEC`; a read makes nothing), the page, and
 * whether any message of the room was ever changed (a page then needs folding).
 *
 * A position (`since`/`before`) from another epoch than the room's, or in a room with none,
 * means nothing: the newest page is read instead, and the reply says so (`stale`).
 * After `since`, the reply also says whether `since` itself is still kept and the oldest id
 * kept, which tell the reader whether messages after it may have been trimmed away.
 *
 * A join of a direct conversation checks it against the two accounts the join was checked
 * against (ARGV 7 and 8, each `<name>:<created>`) and keeps them in its meta (`owners`):
 * - one that a deletion ended (`gone` in its meta, naming the account) opens afresh, unless
 *   the account it names is one of the two: the deletion came between that check and this
 *   read, and the error reply `GONE <name>:<created>` refuses it;
 * - one whose owners are other accounts of the same names belongs to an earlier holder of a
 *   name if this join's account is the later (its log and changes go, a new epoch: what the
 *   deletion did not find is not the next holder's), and refuses the join with `GONE` if this
 *   join's account is the earlier (it was checked before the name was registered again).
 * A conversation opened afresh says so on its channel ({@link RESET_NOTICE}): a socket of the
 * other side that had it open shows the old one until it reads the new epoch.
 *
 * KEYS: meta, log, edits, edit order, channel. ARGV: make ('1' or ''), epochCandidate, the reader's epoch, since,
 * before ('' for none), limit, and for a conversation's join its two accounts ('' otherwise).
 * Reply: seq, epoch, stale (0/1), changed (0/1), entries, since kept (0/1), oldest id.
 *
 * The entries come back as one JSON string (cjson, as the room's channel carries a message;
 * '' for none), not as Redis arrays: a client decodes a reply value by value, and a page of 50
 * messages cost the instance about 340 µs of CPU to read that way against 70 µs to take the
 * string and parse it, and Redis 194 against 117 µs (`bench/reply-probe.ts`; ANALYSIS, w).
 */
const PAGE_SCRIPT = `
local afresh = false
if ARGV[1] == '1' and ARGV[7] ~= '' then
  local m = redis.call('HMGET', KEYS[1], 'gone', 'owners')
  local gone, owners = m[1], m[2]
  if gone == ARGV[7] or gone == ARGV[8] then return redis.error_reply('GONE ' .. gone) end
  local a, b = ARGV[7], ARGV[8]
  if b < a then a, b = b, a end
  local now = a .. ' ' .. b
  if owners and owners ~= now then
    for held in string.gmatch(owners, '%S+') do
      local name, made = string.match(held, '^(.+):(%d+)$')
      for _, account in ipairs({ARGV[7], ARGV[8]}) do
        local n, c = string.match(account, '^(.+):(%d+)$')
        if n == name and tonumber(c) < tonumber(made) then
          return redis.error_reply('GONE ' .. account)
        end
      end
    end
    redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
    redis.call('HDEL', KEYS[1], 'epoch', 'seq')
    owners = nil
    afresh = true
  end
  if gone then
    redis.call('HDEL', KEYS[1], 'gone')
    afresh = true
  end
  if not owners then redis.call('HSET', KEYS[1], 'owners', now) end
end
if ARGV[1] == '1' and redis.call('HSETNX', KEYS[1], 'epoch', ARGV[2]) == 1 then
  redis.call('HSETNX', KEYS[1], 'seq', 0)
end
if afresh then redis.call('SPUBLISH', KEYS[5], '${RESET_NOTICE}') end
local meta = redis.call('HMGET', KEYS[1], 'seq', 'epoch')
if ARGV[1] == '1' then
  if meta[1] == '0' then redis.call('EXPIRE', KEYS[1], ${UNUSED_ROOM_TTL_SEC})
  else redis.call('PERSIST', KEYS[1]) end
end
local since, before = ARGV[4], ARGV[5]
local stale = 0
if ARGV[3] ~= '' and ARGV[3] ~= meta[2] and (since ~= '' or before ~= '') then
  stale = 1
  since, before = '', ''
end
if since ~= '' and since ~= '0-0' then
  -- A position past the newest message the room ever had is none it gave out (a forged or
  -- corrupted cursor): read as stale, or the client would drop every message up to it.
  -- '0-0' is before every message, in a room with none too: a reader that holds nothing.
  local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
  local sms, sseq = string.match(since, '^(%d+)-(%d+)$')
  local past = newest == nil
  if newest then
    local nms, nseq = string.match(newest[1], '^(%d+)-(%d+)$')
    sms, sseq, nms, nseq = tonumber(sms), tonumber(sseq), tonumber(nms), tonumber(nseq)
    past = sms > nms or (sms == nms and sseq > nseq)
  end
  if past then
    stale = 1
    since = ''
  end
end
local limit = tonumber(ARGV[6])
local entries, kept, oldest = nil, 0, false
if since ~= '' then
  entries = redis.call('XRANGE', KEYS[2], '(' .. since, '+', 'COUNT', limit + 1)
  kept = #redis.call('XRANGE', KEYS[2], since, since)
  local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  if first then oldest = first[1] end
elseif before ~= '' then
  entries = redis.call('XREVRANGE', KEYS[2], '(' .. before, '-', 'COUNT', limit + 1)
else
  entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', limit)
end
return {meta[1], meta[2], stale, redis.call('EXISTS', KEYS[3]), ${entriesJsonLua('entries')}, kept, oldest}
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
      senderSince: string,
    ): Result<[number, string, number, string], Context>;
    chatRoomPage(
      meta: string,
      log: string,
      edits: string,
      editOrder: string,
      channel: string,
      make: string,
      epochCandidate: string,
      epoch: string,
      since: string,
      before: string,
      limit: number,
      self: string,
      peer: string,
    ): Result<
      [string | null, string | null, number, number, string, number, string | null],
      Context
    >;
  }
}

export function defineHistoryCommands(redis: RedisConn): void {
  defineScript(redis, 'chatAppend', { numberOfKeys: 4, lua: APPEND_SCRIPT });
  defineScript(redis, 'chatRoomPage', { numberOfKeys: 5, lua: PAGE_SCRIPT });
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
  /**
   * When the sender's account was made (ms; `socket.data.since`), kept with the message: only
   * that account may change it. None for what no user can change (a broadcast).
   */
  senderSince?: number;
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

/** Where a page starts: after `since`, before `before`, or the newest; in `epoch`. */
export interface PageQuery {
  since?: string;
  before?: string;
  epoch?: string;
  limit: number;
  /**
   * A conversation's join: its two accounts as `<name>:<created>` (when the account was made),
   * checked before the read.
   * A deletion of either since then refuses the join (see {@link PAGE_SCRIPT}).
   */
  accounts?: readonly [string, string];
}

/** A page with what its read answers besides (see `History.read`). */
export interface PageRead<M> {
  page: Page;
  meta: M;
  /** Whether any message of the room was ever changed (the page then needs folding). */
  changed: boolean;
  /** The position was of another epoch: this is the newest page instead. */
  unrecoverable: boolean;
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
    const { room, from, text, kind, clientMsgId, senderSince } = input;
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
      senderSince === undefined ? '' : String(senderSince),
    ] as const;
    let reply: [number, string, number, string];
    let replicas: number | undefined;
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
    const [fresh, id, seq, epoch] = reply;
    if (fresh === -1) throw conversationGone(id);
    if (fresh === -2) throw conversationClosed(room, from);
    // The room index, once the message is stored (a refused send must not put a conversation
    // that a deletion took off it back on it). Not awaited: the ack does not wait for it, and
    // its failure fails nothing (the room's next message writes it again).
    void this.touch(room).catch(() => void this.touched.delete(room));
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
   * The room's sequence and epoch without making anything: undefined for a room that has no
   * epoch (never joined nor written to, or its meta was lost). A read of a room that does not
   * exist must leave it not existing.
   */
  async peekMeta(room: string): Promise<RoomMeta | undefined> {
    const [seq, epoch] = await this.redis.hmget(this.keys.roomMeta(room), 'seq', 'epoch');
    return epoch ? { seq: Number(seq ?? 0), epoch } : undefined;
  }

  /**
   * A page of the room's history, oldest first, with the room's meta and whether any message
   * in it was ever changed, in one round trip (see {@link PAGE_SCRIPT}): after `since`
   * (exclusive; `truncated` when `since` itself is no longer kept and older than what is, so
   * messages after it may have been trimmed away), before `before` (exclusive, for scrolling
   * back), or the newest `limit`. A position of another epoch than the room's, or a `since`
   * past the newest message the room has, reads the newest page (`unrecoverable`). With
   * `make` (a join) a room without an epoch gets one.
   */
  async read(room: string, q: PageQuery, make: true): Promise<PageRead<RoomMeta>>;
  async read(room: string, q: PageQuery, make: false): Promise<PageRead<RoomMeta | undefined>>;
  async read(room: string, q: PageQuery, make: boolean): Promise<PageRead<RoomMeta | undefined>> {
    // One position at most: `since` when both are given.
    const since = q.since;
    const before = since === undefined ? q.before : undefined;
    const [seq, epoch, stale, changed, json, kept, oldest] = await this.redis
      .chatRoomPage(
        this.keys.roomMeta(room),
        this.keys.roomLog(room),
        this.keys.roomEdits(room),
        this.keys.roomEditOrder(room),
        this.keys.roomChannel(room),
        make ? '1' : '',
        newEpoch(),
        q.epoch ?? '',
        since ?? '',
        before ?? '',
        q.limit,
        q.accounts?.[0] ?? '',
        q.accounts?.[1] ?? '',
      )
      .catch((err: unknown) => {
        const gone = /GONE (\S+)/.exec(err instanceof Error ? err.message : '');
        throw gone ? conversationGone(gone[1]!) : err;
      });
    const entries = parseEntries(json);
    const meta = epoch ? { seq: Number(seq ?? 0), epoch } : undefined;
    if (make && !meta) throw new Error(`room ${room} has no epoch after making one`);
    // A stale position was read as no position: the newest page.
    const unrecoverable = stale === 1;
    const messages = entries.slice(0, q.limit);
    let page: Page;
    if (since !== undefined && !unrecoverable) {
      page = {
        messages: messages.map((e) => toMessage(room, e)),
        hasMore: entries.length > q.limit,
        truncated: kept === 0 && oldest !== null && compareIds(since, oldest) < 0,
      };
    } else {
      // The newest page and the page before a position are read newest first.
      page = {
        messages: messages.reverse().map((e) => toMessage(room, e)),
        hasMore: before !== undefined && !unrecoverable && entries.length > q.limit,
        truncated: false,
      };
    }
    return { page, meta, changed: changed === 1, unrecoverable };
  }
}

/**
 * The refusal of a direct conversation that ended when one of its accounts was deleted
 * (`gone`: `<name>:<created>` of that account). Its name may belong to someone else by
 * now: writing to them is opening the conversation anew.
 */
function conversationGone(gone: string): ChatError {
  const name = gone.slice(0, gone.lastIndexOf(':'));
  return new ChatError(
    ErrorCode.NotFound,
    `the account ${name} was deleted, and this conversation with it; open @${name} again to write to whoever has the name now`,
  );
}

/**
 * The refusal of a send to a direct conversation that has no meta any more while the sender's
 * socket has it open (it was lost, or its deletion's mark expired): only a join opens a
 * conversation, after checking both accounts.
 */
function conversationClosed(room: string, from: string): ChatError {
  const peer = directUsers(room)?.find((u) => u !== from) ?? from;
  return new ChatError(
    ErrorCode.NotFound,
    `the conversation with ${peer} is not open any more; open @${peer} again to write in it`,
  );
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
