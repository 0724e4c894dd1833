import type { Result } from 'ioredis';
import type { RedisConn } from '../../redis/clients.js';
import { dropDeadLua } from './read-members.js';
import { defineScript } from '../../redis/scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatPresenceDrop(ids: string, entries: string, ...dead: string[]): Result<number, Context>;
  }
}

/**
 * Drops the entries of dead presence ids from one room (run once per room with members here
 * when an instance is seen to die).
 *
 * KEYS[1] the room's presence ids, KEYS[2] its member entries. ARGV the dead presence ids.
 * Returns the number of entries dropped.
 */
const LUA = `
local dropped = 0
${dropDeadLua('1', '#ARGV')}
return dropped
`;

export const definePresenceDrop = (redis: RedisConn): void =>
  defineScript(redis, 'chatPresenceDrop', { numberOfKeys: 2, lua: LUA });
