import type { Result } from 'ioredis';
import type { RedisConn } from '../../redis/clients.js';
import { readMembersLua } from './read-members.js';
import { defineScript } from '../../redis/scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatPresenceJoin(
      ids: string,
      entries: string,
      typing: string,
      now: number,
      add: '0' | '1',
      user: string,
      entryExpiry: number,
      keyTtlMs: number,
      presenceId: string,
      exactMax: number,
      some: number,
      ...dead: string[]
    ): Result<[number, number, string, string[]], Context>;
  }
}

/**
 * A join, in one round trip: adds the member entry `<presence id>|<user>` and the instance's
 * presence id to the room's set of ids (when ARGV[2] is '1'), then reads the room's members
 * and who is typing.
 *
 * KEYS[1] the room's presence ids, KEYS[2] its member entries, KEYS[3] its typing set.
 * ARGV[1] now, ARGV[2] add ('0' or '1'), ARGV[3] user, ARGV[4] entryExpiry, ARGV[5] keyTtlMs,
 * ARGV[6] presence id, ARGV[7] exactMax, ARGV[8] some, ARGV[9..] the dead presence ids.
 * Returns [1 if the instance's id was not in the room's set, entries, names (one a line),
 * typing].
 */
const LUA = `
local now = tonumber(ARGV[1])
local missing = 0
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6] .. '|' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  missing = redis.call('ZADD', KEYS[1], ARGV[4], ARGV[6])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
${readMembersLua(7, 8, 9)}
return {missing, n, names, redis.call('ZRANGEBYSCORE', KEYS[3], now, '+inf')}
`;

export const definePresenceJoin = (redis: RedisConn): void =>
  defineScript(redis, 'chatPresenceJoin', { numberOfKeys: 3, lua: LUA });
