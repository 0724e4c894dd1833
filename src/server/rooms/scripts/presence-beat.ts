import type { Result } from 'ioredis';
import type { RedisConn } from '../../redis/clients.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatPresenceBeat(
      boots: string,
      entries: string,
      now: number,
      bootTtlMs: number,
      bootId: string,
      keyTtlMs: number,
      entryExpiry: number,
      ...users: string[]
    ): Result<[number, number], Context>;
  }
}

/**
 * One instance's beat in one room. Drops the instances whose mark expired, with their
 * entries (`<bootId>|...`); renews this instance's mark; renews its entries when users are
 * given; drops expired entries.
 *
 * KEYS[1] the room's instance marks (boots), KEYS[2] its member entries.
 * ARGV[1] now, ARGV[2] bootTtlMs, ARGV[3] bootId, ARGV[4] keyTtlMs, ARGV[5] entryExpiry,
 * ARGV[6..] users whose entries to renew.
 * Returns [entries dropped, 1 if this instance's mark was missing (then its entries may have
 * been dropped by another instance: renew them)].
 */
const LUA = `
local now = tonumber(ARGV[1])
local dropped = 0
for _, b in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  redis.call('ZREM', KEYS[1], b)
  local cursor = '0'
  repeat
    local r = redis.call('ZSCAN', KEYS[2], cursor, 'MATCH', b .. '|*', 'COUNT', 1000)
    cursor = r[1]
    for i = 1, #r[2], 2 do
      dropped = dropped + redis.call('ZREM', KEYS[2], r[2][i])
    end
  until cursor == '0'
end
local missing = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if #ARGV > 5 then
  local args = {}
  for i = 6, #ARGV do
    args[#args + 1] = ARGV[5]
    args[#args + 1] = ARGV[3] .. '|' .. ARGV[i]
    if #args >= 1000 then
      redis.call('ZADD', KEYS[2], unpack(args))
      args = {}
    end
  end
  if #args > 0 then redis.call('ZADD', KEYS[2], unpack(args)) end
end
dropped = dropped + redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return {dropped, missing}
`;

export const definePresenceBeat = (redis: RedisConn): void =>
  redis.defineCommand('chatPresenceBeat', { numberOfKeys: 2, lua: LUA });
