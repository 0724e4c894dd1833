import type { Result } from 'ioredis';
import type { RedisConn } from '../../redis/clients.js';
import { defineScript } from '../../redis/scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatPresenceAlive(
      alive: string,
      now: number,
      ttlMs: number,
      presenceId: string,
      forgetMs: number,
      known: '0' | '1',
    ): Result<[number, string[]], Context>;
  }
}

/**
 * An instance's presence beat: one command a second, however many rooms it has members in.
 * Renews the instance's presence id in the cluster-wide set of ids (scored by expiry), unless
 * that id has already expired: then other instances may be dropping its entries, and the
 * instance must come back under a new id (an expired id is never made live again, so every
 * reader can treat it as dead for good). Forgets ids dead for longer than any of their
 * entries can live, and returns the ids dead since then.
 *
 * An id that is absent though the instance has renewed it before (Redis lost it) is expired
 * too, and recorded as dead, so its entries are hidden wherever they survived.
 *
 * KEYS[1] the set of presence ids. ARGV[1] now, ARGV[2] ttlMs, ARGV[3] presence id,
 * ARGV[4] forgetMs, ARGV[5] '1' if this id has been renewed before.
 * Returns [1 if the id had expired (it was not renewed), the dead ids].
 */
const LUA = `
local now = tonumber(ARGV[1])
local prev = redis.call('ZMSCORE', KEYS[1], ARGV[3])[1]
local expired = 0
if prev then
  if tonumber(prev) <= now then expired = 1 end
elseif ARGV[5] == '1' then
  expired = 1
  redis.call('ZADD', KEYS[1], now, ARGV[3])
end
if expired == 0 then redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[4])))
return {expired, redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)}
`;

export const definePresenceAlive = (redis: RedisConn): void =>
  defineScript(redis, 'chatPresenceAlive', { numberOfKeys: 1, lua: LUA });
