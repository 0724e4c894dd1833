import type { Result } from 'ioredis';
import type { RedisConn } from '../../redis/clients.js';
import { dropDeadLua } from './read-members.js';
import { defineScript } from '../../redis/scripts.js';
import { UNUSED_ROOM_TTL_SEC } from '../../redis/keys.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatPresenceRenew(
      ids: string,
      entries: string,
      meta: string,
      now: number,
      presenceId: string,
      entryExpiry: number,
      keyTtlMs: number,
      deadCount: number,
      ...deadThenUsers: string[]
    ): Result<number, Context>;
  }
}

/**
 * Renews one instance's entries in one room (every ~20 s per room, not every beat): its
 * presence id in the room's set of ids and an entry per user, each to expire at
 * `entryExpiry`; drops the entries of the dead presence ids given and every expired entry; and
 * extends the life of the room's meta if it has one (a room with no message yet: see
 * `UNUSED_ROOM_TTL_SEC`; `XX` leaves a permanent one as it is).
 *
 * KEYS[1] the room's presence ids, KEYS[2] its member entries, KEYS[3] its meta.
 * ARGV[1] now, ARGV[2] presence id, ARGV[3] entryExpiry, ARGV[4] keyTtlMs, ARGV[5] how many
 * dead ids follow, then the dead ids, then the users whose entries to renew.
 * Returns the number of entries dropped.
 */
const LUA = `
local now = tonumber(ARGV[1])
local firstUser = 6 + tonumber(ARGV[5])
local dropped = 0
${dropDeadLua('6', 'firstUser - 1')}
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
local args = {}
for i = firstUser, #ARGV do
  args[#args + 1] = ARGV[3]
  args[#args + 1] = ARGV[2] .. '|' .. ARGV[i]
  if #args >= 1000 then
    redis.call('ZADD', KEYS[2], unpack(args))
    args = {}
  end
end
if #args > 0 then redis.call('ZADD', KEYS[2], unpack(args)) end
dropped = dropped + redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
redis.call('EXPIRE', KEYS[3], ${UNUSED_ROOM_TTL_SEC}, 'XX')
return dropped
`;

/**
 * Redis commands one renewal runs with no dead instance to drop (the script's call and the 7
 * in it, as INFO commandstats counts them): the capacity model's per (room, instance) cost
 * where the bench cannot resolve it (bench/costs.ts).
 */
export const RENEWAL_COMMANDS = 9;

export const definePresenceRenew = (redis: RedisConn): void =>
  defineScript(redis, 'chatPresenceRenew', { numberOfKeys: 3, lua: LUA });
