import type { Result } from 'ioredis';
import {
  ChatError,
  ErrorCode,
  MARKS_ROOMS_MAX,
  SessionEndReason,
  type Ban,
  type UserList,
} from '../../protocol/index.js';
import { parseBan } from './bans.js';
import { GONE_MARK_TTL_SEC, ROOM_KEY_COUNT, roomKeys, type Keys } from '../redis/keys.js';
import { directRoom, directUsers } from '../rooms/direct.js';
import type { RedisConn } from '../redis/clients.js';
import { END_SESSIONS_LUA, ENDED_SESSION_KEEP_SEC } from './session-scripts.js';
import { defineScript } from '../redis/scripts.js';

/**
 * Deletes an account and everything of it in its slot (sessions, index, ban, last seen, read
 * markers, kept rooms, conversations, away message); its sessions stay a while as marks of
 * why they ended (see ENDED_SESSION_KEEP_SEC), or go at once (keep 0).
 * KEYS: account, sessions index, ban, seen, marks, rooms, directs, away.
 * ARGV: session prefix, seconds to keep ended sessions.
 * Returns {0} (no such account: nothing changed) or {1, createdAt, hashes of sessions ended}.
 */
const DELETE_SCRIPT = `${END_SESSIONS_LUA}
local acc = redis.call('GET', KEYS[1])
if not acc then return {0} end
local hashes = end_sessions(KEYS[2], ARGV[1], '${SessionEndReason.AccountDeleted}', tonumber(ARGV[2]))
redis.call('DEL', KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
return {1, tostring(cjson.decode(acc).createdAt), hashes}
`;

/**
 * Bans an account and ends its sessions in one step, so no session outlives the ban. A timed
 * ban expires by itself (the key's TTL); an account that expires (a load-test user) takes
 * its ban with it.
 * KEYS: account, sessions index, ban. ARGV: session prefix, ban JSON, ttlMs (0: no end).
 * Returns {0} (no such account: nothing changed) or {1, hashes of sessions ended}.
 */
const BAN_SCRIPT = `${END_SESSIONS_LUA}
local left = redis.call('PTTL', KEYS[1])
if left == -2 then return {0} end
local ttl = tonumber(ARGV[3])
if left > 0 and (ttl == 0 or ttl > left) then ttl = left end
if ttl > 0 then redis.call('SET', KEYS[3], ARGV[2], 'PX', ttl)
else redis.call('SET', KEYS[3], ARGV[2]) end
return {1, end_sessions(KEYS[2], ARGV[1], '${SessionEndReason.Banned}', ${ENDED_SESSION_KEEP_SEC})}
`;

/**
 * Lifts a ban. KEYS: account, ban. Returns -1 (no such account), 0 (not banned) or 1.
 */
const UNBAN_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('DEL', KEYS[2])
`;

/**
 * Drops a name from the index of accounts only if it still stands for the account that was
 * deleted (same creation time): a registration of the name meanwhile stays listed.
 * KEYS: users index. ARGV: name, createdAt.
 */
const UNLIST_SCRIPT = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 1
`;

/**
 * Ends a direct conversation of a deleted account, in the conversation's slot: its keys go and
 * its meta keeps only the mark `gone` (the account as `<name>:<created>`) for GONE_MARK_TTL_SEC.
 * Unless its meta names its accounts (`owners`) and the deleted one is not among them: the next
 * holder of the name has opened it afresh meanwhile, and it is theirs.
 * KEYS: the room's keys (see `roomKeys`; meta second). ARGV: account, mark's TTL in seconds.
 * Returns 1 (ended) or 0 (another account's now).
 */
const END_CONVERSATION_SCRIPT = `
local owners = redis.call('HGET', KEYS[2], 'owners')
if owners and not string.find(' ' .. owners .. ' ', ' ' .. ARGV[1] .. ' ', 1, true) then return 0 end
redis.call('DEL', unpack(KEYS))
redis.call('HSET', KEYS[2], 'gone', ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatConversationEnd(...keysAndArgs: (string | number)[]): Result<number, Context>;
    chatAccountDelete(
      account: string,
      index: string,
      ban: string,
      seen: string,
      marks: string,
      rooms: string,
      directs: string,
      away: string,
      prefix: string,
      keepEndedSec: number,
    ): Result<[0] | [1, string, string[]], Context>;
    chatAccountBan(
      account: string,
      index: string,
      ban: string,
      prefix: string,
      banJson: string,
      ttlMs: number,
    ): Result<[0] | [1, string[]], Context>;
    chatAccountUnban(account: string, ban: string): Result<number, Context>;
    chatAccountUnlist(users: string, name: string, createdAt: string): Result<number, Context>;
  }
}

const noSuchUser = (user: string): ChatError =>
  new ChatError(ErrorCode.NotFound, `there is no account named "${user}"`);

/**
 * What an operator does to accounts: list, delete, ban, unban. Each change happens in the
 * account's slot in one script; the caller announces the ended sessions and disconnects
 * their sockets.
 */
export class AccountOps {
  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
  ) {
    defineScript(redis, 'chatAccountDelete', { numberOfKeys: 8, lua: DELETE_SCRIPT });
    defineScript(redis, 'chatAccountBan', { numberOfKeys: 3, lua: BAN_SCRIPT });
    defineScript(redis, 'chatAccountUnban', { numberOfKeys: 2, lua: UNBAN_SCRIPT });
    defineScript(redis, 'chatAccountUnlist', { numberOfKeys: 1, lua: UNLIST_SCRIPT });
    defineScript(redis, 'chatConversationEnd', {
      numberOfKeys: ROOM_KEY_COUNT,
      lua: END_CONVERSATION_SCRIPT,
    });
  }

  /**
   * The newest `limit` accounts of the index, each read with one MGET in its own slot (no
   * SCAN, no KEYS). A name whose account is gone behind the server's back is skipped.
   */
  async list(limit: number): Promise<UserList> {
    const { redis, keys } = this;
    const [names, total] = await Promise.all([
      redis.zrevrange(keys.users(), 0, limit - 1),
      redis.zcard(keys.users()),
    ]);
    const rows = await Promise.all(
      names.map((n) => redis.mget(keys.user(n), keys.userSeen(n), keys.userBan(n))),
    );
    const users: UserList['users'] = [];
    names.forEach((name, i) => {
      const [account, seen, ban] = rows[i]!;
      if (!account) return;
      const { createdAt } = JSON.parse(account) as { createdAt: number };
      users.push({
        name,
        createdAt,
        lastSeen: seen ? Number(seen) : null,
        banned: parseBan(ban),
      });
    });
    return { users, total, limit };
  }

  /**
   * Deletes the account: its sessions end and the name is free. Throws `not_found` (and
   * changes nothing) when there is no such account. Returns the ended sessions' hashes.
   */
  async delete(user: string): Promise<string[]> {
    const removed = await this.remove(user);
    if (!removed) throw noSuchUser(user);
    return removed;
  }

  /**
   * Like {@link delete}, but a missing account is no error (null). `keepEnded: false` removes
   * the ended sessions at once instead of keeping them a while to tell their clients why.
   */
  async remove(
    user: string,
    opts: { keepEnded?: boolean; conversations?: boolean } = {},
  ): Promise<string[] | null> {
    const { redis, keys } = this;
    // Its peers, read before the account's keys go: where its conversations are.
    const peers =
      opts.conversations === false ? [] : await redis.zrange(keys.userDirects(user), '0', '-1');
    const reply = await redis.chatAccountDelete(
      keys.user(user),
      keys.userSessions(user),
      keys.userBan(user),
      keys.userSeen(user),
      keys.userMarks(user),
      keys.userRooms(user),
      keys.userDirects(user),
      keys.userAway(user),
      keys.sessionPrefix(user),
      opts.keepEnded === false ? 0 : ENDED_SESSION_KEEP_SEC,
    );
    if (reply[0] === 0) return null;
    await redis.chatAccountUnlist(keys.users(), user, reply[1]);
    if (opts.conversations !== false) {
      await this.removeConversations(user, reply[1], peers);
    }
    return reply[2];
  }

  /**
   * Deletes the direct conversations of a deleted account, for both sides: its name is free,
   * and whoever registers it next must not read what was said to the account before (a
   * conversation is addressed by the two names). Found from the account's own list of peers,
   * and when that list is at its cap from the index of every conversation too. Neither is
   * sure to name every one (a list trimmed at its cap and shorter again, a write to it that
   * failed, a conversation opened while this runs): one they miss is still not the next
   * holder's, whose join finds the conversation's `owners` are other accounts and opens it
   * afresh (see the page script in `History`); its keys stay until then. The peers' lists
   * forget the account.
   *
   * Each conversation's keys go in one step with leaving a mark in its meta, `gone`: the
   * account as `<name>:<created>`, for GONE_MARK_TTL_SEC. A socket of the peer that has it open
   * can still send: the append reads the mark and refuses, and a join checked against that
   * account before the deletion is refused by it too; a later join (of whoever has the name
   * then) opens the conversation afresh and clears it. A conversation that the next holder has
   * opened meanwhile is theirs and left alone.
   */
  private async removeConversations(
    user: string,
    createdAt: string,
    peers: string[],
  ): Promise<void> {
    const { redis, keys } = this;
    const account = `${user}:${createdAt}`;
    const rooms = new Set(peers.map((peer) => directRoom(user, peer)));
    if (peers.length >= MARKS_ROOMS_MAX) {
      let cursor = '0';
      do {
        const [next, items] = await redis.zscan(keys.directs(), cursor, 'COUNT', 1000);
        for (let i = 0; i < items.length; i += 2) {
          if (directUsers(items[i]!)?.includes(user)) rooms.add(items[i]!);
        }
        cursor = next;
      } while (cursor !== '0');
    }
    await Promise.all(
      [...rooms].map(async (room) => {
        const peer = directUsers(room)!.find((u) => u !== user) ?? user;
        await Promise.all([
          redis.chatConversationEnd(...roomKeys(keys, room), account, GONE_MARK_TTL_SEC),
          redis.zrem(keys.userDirects(peer), user),
        ]);
      }),
    );
    if (rooms.size > 0) await redis.zrem(keys.directs(), ...rooms);
  }

  /** Bans the account (for `forMs`, or until unbanned); returns the ended sessions' hashes. */
  async ban(user: string, ban: Ban): Promise<string[]> {
    const { redis, keys } = this;
    const reply = await redis.chatAccountBan(
      keys.user(user),
      keys.userSessions(user),
      keys.userBan(user),
      keys.sessionPrefix(user),
      JSON.stringify(ban),
      ban.until === undefined ? 0 : Math.max(1, ban.until - ban.since),
    );
    if (reply[0] === 0) throw noSuchUser(user);
    return reply[1];
  }

  /** Throws `not_found` when there is no account named `user`. */
  async requireAccount(user: string): Promise<void> {
    if ((await this.redis.exists(this.keys.user(user))) === 0) throw noSuchUser(user);
  }

  /** Lifts a ban; false when there was none. */
  async unban(user: string): Promise<boolean> {
    const r = await this.redis.chatAccountUnban(this.keys.user(user), this.keys.userBan(user));
    if (r < 0) throw noSuchUser(user);
    return r === 1;
  }
}
