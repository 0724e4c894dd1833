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
import { roomKeys, type Keys } from '../redis/keys.js';
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

declare module 'ioredis' {
  interface RedisCommander<Context> {
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
   * conversation is addressed by the two names). Found from the account's own list of peers
   * (every conversation written to is on it); a list at its cap may have lost the oldest, and
   * only then is the index of every conversation read through. The peers' lists forget it.
   *
   * Each conversation's keys go in one step with leaving a mark in its meta, `gone`: the
   * account as `<name>:<created>`. A socket of the peer that has it open can still send: the
   * append reads the mark and refuses, and a join checked against that account before the
   * deletion is refused by it too; a later join (of whoever has the name then) opens the
   * conversation afresh and clears it. The mark stays until then (a few bytes a conversation
   * of a deleted account): a connection may stay open, and joined, for as long as it likes.
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
          redis
            .multi()
            .del(...roomKeys(keys, room))
            .hset(keys.roomMeta(room), 'gone', account)
            .exec(),
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

  /** Lifts a ban; false when there was none. */
  /** Throws `not_found` when there is no account named `user`. */
  async requireAccount(user: string): Promise<void> {
    if ((await this.redis.exists(this.keys.user(user))) === 0) throw noSuchUser(user);
  }

  async unban(user: string): Promise<boolean> {
    const r = await this.redis.chatAccountUnban(this.keys.user(user), this.keys.userBan(user));
    if (r < 0) throw noSuchUser(user);
    return r === 1;
  }
}
