import type { Result } from 'ioredis';
import type { RedisConn } from '../redis/clients.js';
import { defineScript } from '../redis/scripts.js';

/**
 * The Lua behind sessions and accounts. Every key one script touches carries the user's
 * hash tag (`{<user>}`), so each runs in one slot, also on Redis Cluster; session keys named
 * from the index are built from a prefix in the same slot (they cannot be declared ahead).
 */

/**
 * How long an ended session (a logout, a kick, a ban, a deletion) is remembered as ended,
 * and why, in place of the session: whatever finds it in that time (a sweep that ran beside the
 * logout, a client that missed its notice and reconnects) tells the socket why, not only that
 * the session is gone. Past it, the key expires and the token is merely unknown.
 */
export const ENDED_SESSION_KEEP_SEC = 600;

/**
 * Lua: `end_session(key, reason, keep)` turns a live session into the mark of an ended one
 * (`ended:<reason>`, kept `keep` seconds); a session already gone stays gone.
 * `end_sessions(index, prefix, reason, keep)` ends every session the user's index lists and
 * deletes the index, and returns their hashes (to announce). Shared by every script that ends
 * sessions.
 */
export const END_SESSIONS_LUA = `
local function end_session(key, reason, keep)
  if keep == 0 then redis.call('DEL', key)
  else redis.call('SET', key, 'ended:' .. reason, 'XX', 'EX', keep) end
end
local function end_sessions(index, prefix, reason, keep)
  local hashes = redis.call('SMEMBERS', index)
  for _, h in ipairs(hashes) do end_session(prefix .. h, reason, keep) end
  redis.call('DEL', index)
  return hashes
end
`;

/**
 * Lua: `stamp_seen(seen, account, now)` records when the account was last seen, at most once
 * a minute (a burst of handshakes writes once), expiring with the account if it expires.
 */
export const STAMP_SEEN_LUA = `
local function stamp_seen(seen, account, now)
  local last = tonumber(redis.call('GET', seen) or '0') or 0
  if tonumber(now) - last < 60000 then return end
  local left = redis.call('PTTL', account)
  if left > 0 then redis.call('SET', seen, now, 'PX', left) else redis.call('SET', seen, now) end
end
`;

/** Lua: the incarnation of an account record (JSON); '' for one made before incarnations. */
const INC_OF_LUA = `
local function inc_of(raw)
  local inc = cjson.decode(raw).inc
  if type(inc) ~= 'string' then return '' end
  return inc
end
`;

/**
 * Makes a session, if the account is still the incarnation whose password was just checked
 * and is not banned; prunes index entries whose session expired.
 * KEYS: account, ban, index, session, seen. ARGV: inc, session JSON, ttlSec, hash, now,
 * session prefix.
 * Returns {'ok'}, {'orphan'} (account gone or replaced) or {'banned', banJSON}.
 */
const CREATE_SCRIPT = `${INC_OF_LUA}${STAMP_SEEN_LUA}
local acc = redis.call('GET', KEYS[1])
if not acc or inc_of(acc) ~= ARGV[1] then return {'orphan'} end
local ban = redis.call('GET', KEYS[2])
if ban then return {'banned', ban} end
for _, h in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('EXISTS', ARGV[6] .. h) == 0 then redis.call('SREM', KEYS[3], h) end
end
redis.call('SET', KEYS[4], ARGV[2], 'EX', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
redis.call('EXPIRE', KEYS[3], ARGV[3])
stamp_seen(KEYS[5], KEYS[1], ARGV[5])
return {'ok'}
`;

/**
 * Lua: `session_refusal(session, account, ban, index, hash)`, what is wrong with a session, as
 * the table a script answers ({'gone'}, {'ended', reason}, {'orphan'}, {'banned', banJSON}),
 * or nil and the account's record when it is good: it exists, its account exists and is the
 * incarnation it was made for, and no ban stands. A session whose account is gone or replaced
 * is deleted, and dropped from its user's index (it can never be valid again). A session
 * ended (see {@link END_SESSIONS_LUA}) answers why: its account's ban while one stands (it
 * says until when), otherwise the reason it was ended for. Needs INC_OF_LUA.
 */
const SESSION_REFUSAL_LUA = `
local function session_refusal(session, account, ban, index, hash)
  local raw = redis.call('GET', session)
  if not raw then return {'gone'} end
  if string.sub(raw, 1, 6) == 'ended:' then
    local b = redis.call('GET', ban)
    if b then return {'banned', b} end
    return {'ended', string.sub(raw, 7)}
  end
  local acc = redis.call('GET', account)
  if not acc or inc_of(acc) ~= inc_of(raw) then
    redis.call('DEL', session)
    redis.call('SREM', index, hash)
    return {'orphan'}
  end
  local b = redis.call('GET', ban)
  if b then return {'banned', b} end
  return nil, acc
end
`;

/**
 * Checks a session for a handshake in one step (see SESSION_REFUSAL_LUA). A good session's
 * expiry and its user's index are pushed back once `renewEveryMs` of the TTL has run down
 * (-1: never), its account is stamped as seen, and its flood penalty is read in the same step
 * (the block key's expiry): a handshake is one command.
 * KEYS: session, account, ban, seen, index, flood block. ARGV: ttlSec, renewEveryMs, now, hash.
 * Returns {'gone'}, {'ended', reason}, {'orphan'}, {'banned', banJSON} or
 * {'ok', createdAt, pttl, blockedMs}.
 */
const RESOLVE_SCRIPT = `${INC_OF_LUA}${STAMP_SEEN_LUA}${SESSION_REFUSAL_LUA}
local bad, acc = session_refusal(KEYS[1], KEYS[2], KEYS[3], KEYS[5], ARGV[4])
if bad then return bad end
local pttl = redis.call('PTTL', KEYS[1])
local ttl = tonumber(ARGV[1]) * 1000
local every = tonumber(ARGV[2])
if every >= 0 and ttl - pttl >= every then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[5], ttl)
  pttl = ttl
end
stamp_seen(KEYS[4], KEYS[2], ARGV[3])
local blocked = redis.call('PTTL', KEYS[6])
if blocked < 0 then blocked = 0 end
return {'ok', cjson.decode(acc).createdAt, pttl, blocked}
`;

/**
 * Checks sessions of live sockets as the resolve script does (a sweep: see session-watch.ts),
 * many in one call, without renewing them or reading their flood penalty: a sweep only looks.
 * Each account is stamped as seen. KEYS: for each session its session, account, ban, seen
 * and index keys (on Redis Cluster all in one slot). ARGV: now, then each session's hash.
 * Returns each session's answer on a line of its own, in order: `ok`, `gone`, `orphan`,
 * `ended:<reason>`, `banned:<banJSON>` (its line breaks made spaces) or `error:<message>` (a
 * record it could not read: that session alone is left unjudged). One string, not an
 * array: ioredis 6 reads a long array reply far slower than a string (bench/ANALYSIS.md, w).
 */
const CHECK_SCRIPT = `${INC_OF_LUA}${STAMP_SEEN_LUA}${SESSION_REFUSAL_LUA}
-- One line: line breaks made spaces (a ban written by hand may be JSON over several lines).
local function line(s) return (string.gsub(s, '[\\r\\n]', ' ')) end
local function judge(k, hash)
  local bad = session_refusal(KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 5], hash)
  if not bad then stamp_seen(KEYS[k + 4], KEYS[k + 2], ARGV[1]) end
  return bad
end
local out = {}
for i = 1, #KEYS / 5 do
  local ok, bad = pcall(judge, (i - 1) * 5, ARGV[i + 1])
  if not ok then
    -- A key the script cannot read (not what the server wrote) fails its session alone.
    out[i] = 'error:' .. line(type(bad) == 'table' and tostring(bad.err) or tostring(bad))
  elseif bad then
    out[i] = bad[2] and (bad[1] .. ':' .. line(bad[2])) or bad[1]
  else
    out[i] = 'ok'
  end
end
return table.concat(out, '\\n')
`;

/** Ends one session. KEYS: session, index. ARGV: hash, reason, keep (s). */
const REVOKE_SCRIPT = `${END_SESSIONS_LUA}
end_session(KEYS[1], ARGV[2], ARGV[3])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`;

/**
 * Ends every session of a user. KEYS: index. ARGV: session prefix, reason, keep (s).
 * Returns their hashes.
 */
const REVOKE_ALL_SCRIPT = `${END_SESSIONS_LUA}
return end_sessions(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
`;

/** What the resolve script answers (see RESOLVE_SCRIPT). */
export type ResolveReply =
  ['gone'] | ['ended', string] | ['orphan'] | ['banned', string] | ['ok', number, number, number];

/** What the create script answers (see CREATE_SCRIPT). */
export type CreateReply = ['ok'] | ['orphan'] | ['banned', string];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatSessionCreate(
      account: string,
      ban: string,
      index: string,
      session: string,
      seen: string,
      inc: string,
      value: string,
      ttlSec: number,
      hash: string,
      now: number,
      prefix: string,
    ): Result<CreateReply, Context>;
    chatSessionResolve(
      session: string,
      account: string,
      ban: string,
      seen: string,
      index: string,
      floodBlock: string,
      ttlSec: number,
      renewEveryMs: number,
      now: number,
      hash: string,
    ): Result<ResolveReply, Context>;
    /** `numKeys` keys (five a session), then now and the sessions' hashes: see CHECK_SCRIPT. */
    chatSessionCheck(
      numKeys: number,
      ...keysThenArgs: (string | number)[]
    ): Result<string, Context>;
    /**
     * The same for one session, with a fixed key count: ioredis's auto-pipelining on Redis
     * Cluster routes a call by its first argument, which must then be a key.
     */
    chatSessionCheckOne(
      session: string,
      account: string,
      ban: string,
      seen: string,
      index: string,
      now: number,
      hash: string,
    ): Result<string, Context>;
    chatSessionRevoke(
      session: string,
      index: string,
      hash: string,
      reason: string,
      keepSec: number,
    ): Result<number, Context>;
    chatSessionRevokeAll(
      index: string,
      prefix: string,
      reason: string,
      keepSec: number,
    ): Result<string[], Context>;
  }
}

export function defineSessionCommands(redis: RedisConn): void {
  defineScript(redis, 'chatSessionCreate', { numberOfKeys: 5, lua: CREATE_SCRIPT });
  defineScript(redis, 'chatSessionResolve', { numberOfKeys: 6, lua: RESOLVE_SCRIPT });
  defineScript(redis, 'chatSessionCheck', { numberOfKeys: undefined, lua: CHECK_SCRIPT });
  defineScript(redis, 'chatSessionCheckOne', { numberOfKeys: 5, lua: CHECK_SCRIPT });
  defineScript(redis, 'chatSessionRevoke', { numberOfKeys: 2, lua: REVOKE_SCRIPT });
  defineScript(redis, 'chatSessionRevokeAll', { numberOfKeys: 1, lua: REVOKE_ALL_SCRIPT });
}
