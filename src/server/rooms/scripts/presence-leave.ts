import type { Result } from 'ioredis';
import type { RedisConn } from '../../redis/clients.js';
import { defineScript } from '../../redis/scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatPresenceLeave(
      ids: string,
      entries: string,
      member: string,
      presenceId: string,
      last: '0' | '1',
    ): Result<number, Context>;
  }
}

/**
 * A leave: drops the member entry and, when it was this instance's last member in the room,
 * this instance's presence id from the room's set of ids. A script rather than MULTI: the command connection pipelines commands
 * automatically and sends a MULTI at once, ahead of commands still queued, so a leave could
 * overtake the join or the heartbeat renewal before it and be undone by it.
 *
 * KEYS[1] the room's presence ids, KEYS[2] its member entries.
 * ARGV[1] member, ARGV[2] presence id, ARGV[3] last ('1': this instance's last member here).
 * Returns the number of entries removed (0 or 1).
 */
const LUA = `
local n = redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[3] == '1' then redis.call('ZREM', KEYS[1], ARGV[2]) end
return n
`;

export const definePresenceLeave = (redis: RedisConn): void =>
  defineScript(redis, 'chatPresenceLeave', { numberOfKeys: 2, lua: LUA });
