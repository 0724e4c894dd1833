import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeKeys } from '../../src/server/redis/keys.js';
import { RateCounter, StatusReporter } from '../../src/server/ops/status.js';
import { useTestRedis } from '../helpers/redis.js';

/**
 * An instance's status write against a real redis-server: the set of rooms its clients are in
 * goes with it, rewritten only when it changed and kept alive otherwise, and written again when
 * Redis lost it.
 */
const server = useTestRedis();

const saddCalls = async (): Promise<number> =>
  Number(/cmdstat_sadd:calls=(\d+)/.exec(await server.conn.info('commandstats'))?.[1] ?? 0);

describe('the status write', () => {
  it('rewrites the room set only when it changed, and again when Redis lost it', async () => {
    const keys = makeKeys(`t${randomBytes(4).toString('hex')}:`);
    const conn = server.conn;
    let rooms = ['lobby', 'dev'];
    let version = 1;
    const status = new StatusReporter(
      conn,
      keys,
      {
        id: 'i1',
        bootId: 'boot-1',
        host: '127.0.0.1',
        port: () => 3000,
        startedAt: Date.now(),
        version: 'test',
        state: () => 'ready',
        connections: () => 2,
        rooms: () => rooms.length,
        roomNames: () => rooms,
        roomsVersion: () => version,
        redisOk: () => true,
      },
      new RateCounter(),
    );
    const roomSet = async (): Promise<string[]> =>
      (await conn.smembers(keys.instanceRooms('i1'))).sort();
    try {
      await status.publish();
      expect(await roomSet()).toEqual(['dev', 'lobby']);

      // Unchanged: three more writes send no SADD, and the set lives on.
      const before = await saddCalls();
      for (let i = 0; i < 3; i++) await status.publish();
      expect(await saddCalls()).toBe(before);
      expect(await roomSet()).toEqual(['dev', 'lobby']);
      expect(await conn.pttl(keys.instanceRooms('i1'))).toBeGreaterThan(0);

      // Changed: the next write has the new set.
      rooms = ['lobby'];
      version++;
      await status.publish();
      expect(await roomSet()).toEqual(['lobby']);

      // Lost (a FLUSHALL): the write that finds its status gone puts the set back, though
      // the rooms did not change; and it says Redis lost its data.
      await conn.del(keys.instance('i1'), keys.instanceRooms('i1'));
      expect(await status.publish()).toBe(true);
      expect(await roomSet()).toEqual(['lobby']);
    } finally {
      status.stop();
    }
  });
});
