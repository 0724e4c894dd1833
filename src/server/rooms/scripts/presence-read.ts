import type { Result } from 'ioredis';
import type { RedisConn } from '../../redis/clients.js';
import { readMembersLua } from './read-members.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatPresenceRead(
      boots: string,
      entries: string,
      now: number,
      exactMax: number,
      some: number,
    ): Result<[number, string[]], Context>;
  }
}

/**
 * A room's live member entries.
 *
 * KEYS[1] the room's instance marks (boots), KEYS[2] its member entries.
 * ARGV[1] now, ARGV[2] exactMax, ARGV[3] some (see read-members.ts).
 * Returns [entries, names].
 */
const LUA = `
local now = tonumber(ARGV[1])
${readMembersLua(2, 3)}
return {n, out}
`;

export const definePresenceRead = (redis: RedisConn): void =>
  redis.defineCommand('chatPresenceRead', { numberOfKeys: 2, lua: LUA });
