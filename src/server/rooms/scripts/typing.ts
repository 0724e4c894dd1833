import type { Result } from 'ioredis';
import type { RedisConn } from '../../redis/clients.js';
import { defineScript } from '../../redis/scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatTyping(
      typing: string,
      channel: string,
      user: string,
      on: '0' | '1',
      expiry: number,
      keyTtlMs: number,
    ): Result<number, Context>;
  }
}

/** What a room's channel carries when a user starts or stops typing: `typing:<0|1>:<user>`. */
export const TYPING_NOTICE = 'typing:';

/**
 * A user starts or stops typing, and the room's channel says so ({@link TYPING_NOTICE}; user
 * names hold no `:`): one round trip, in order with the room's other notices and messages.
 *
 * KEYS[1] the room's typing set, KEYS[2] the room's channel.
 * ARGV[1] user, ARGV[2] '1' (starts: marked until ARGV[3]) or '0' (stops), ARGV[3] expiry,
 * ARGV[4] keyTtlMs (the key outlives the newest mark by this much).
 * Returns 1.
 */
const LUA = `
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('SPUBLISH', KEYS[2], '${TYPING_NOTICE}' .. ARGV[2] .. ':' .. ARGV[1])
return 1
`;

export const defineTyping = (redis: RedisConn): void =>
  defineScript(redis, 'chatTyping', { numberOfKeys: 2, lua: LUA });
