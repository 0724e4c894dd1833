import type { Result } from 'ioredis';
import type { RedisConn } from '../../redis/clients.js';
import { readMembersLua } from './read-members.js';
import { defineScript } from '../../redis/scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatPresenceRead(
      ids: string,
      entries: string,
      now: number,
      exactMax: number,
      some: number,
      presenceId: string,
      ...dead: string[]
    ): Result<[number, string, number], Context>;
  }
}

/**
 * A room's live member entries, and whether the reader's own presence id is in the room's set
 * of ids (when it is not though the reader has members here, its entries were lost).
 *
 * KEYS[1] the room's presence ids, KEYS[2] its member entries.
 * ARGV[1] now, ARGV[2] exactMax, ARGV[3] some (see read-members.ts), ARGV[4] the reader's
 * presence id, ARGV[5..] the dead presence ids.
 * Returns [entries, names (one a line), 1 if the reader's id is there].
 */
const LUA = `
local now = tonumber(ARGV[1])
${readMembersLua(2, 3, 5)}
local mine = 0
if redis.call('ZMSCORE', KEYS[1], ARGV[4])[1] then mine = 1 end
return {n, names, mine}
`;

export const definePresenceRead = (redis: RedisConn): void =>
  defineScript(redis, 'chatPresenceRead', { numberOfKeys: 2, lua: LUA });
