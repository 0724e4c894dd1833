import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deltaOf, RedisProbe } from '../../bench/redis-stats.js';
import { TestRedis } from '../helpers/redis.js';

/**
 * The bench's Redis readings (bench/redis-stats.ts), which the capacity model's Redis costs
 * come from, against a real redis-server: a script's own calls count as commands, the
 * readings' INFO does not, and stream memory is read per entry.
 */
describe('bench Redis readings', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    await redis.down();
  });

  it('counts commands (a script with its calls), bytes and memory between two readings', async () => {
    const probe = new RedisProbe(redis.url);
    const c = redis.client();
    try {
      // Both connections ready first: a client's ready check is an INFO whose ~5 KB reply
      // would land between the readings (as output, with no command counted).
      await c.ping();
      const a = await probe.read();
      await c.set('k', 'v'.repeat(1000));
      await c.eval("redis.call('INCR', KEYS[1]); return redis.call('GET', KEYS[1])", 1, 'n');
      const b = await probe.read();
      const d = deltaOf(a, b);
      // SET, then EVAL with its INCR and GET.
      expect(d.commands).toBe(4);
      expect(d.bytesIn).toBeGreaterThan(1000);
      expect(d.bytesOut).toBeGreaterThan(0);
      expect(d.bytesOut).toBeLessThan(200);
      expect(d.memoryBytes).toBeGreaterThan(0);
    } finally {
      c.disconnect();
      probe.close();
    }
  });

  it('reads the memory of matching streams and their entries, at most `limit` keys', async () => {
    const probe = new RedisProbe(redis.url);
    const c = redis.client();
    try {
      for (const room of ['a', 'b', 'c']) {
        for (let i = 0; i < 50; i++)
          await c.xadd(`chat:room:{fan-${room}}:log`, '*', 'text', `m${i}`);
      }
      await c.set('chat:room:{other}:log', 'x');
      const all = await probe.usage('*room:{fan-*}:log', probe.xlen);
      expect(all.keys).toBe(3);
      expect(all.entries).toBe(150);
      expect(all.bytes).toBeGreaterThan(150 * 10);
      const two = await probe.usage('*room:{fan-*}:log', probe.xlen, 2);
      expect(two.keys).toBe(2);
      expect(two.entries).toBe(100);
    } finally {
      c.disconnect();
      probe.close();
    }
  });
});
