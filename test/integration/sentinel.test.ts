import { afterAll, describe, expect, it } from 'vitest';
import { chatAcross, startInstances } from '../helpers/cluster.js';
import { killAll } from '../helpers/processes.js';
import { startSentinel, TestRedis } from '../helpers/redis.js';

afterAll(killAll);

describe('Redis behind Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME)', () => {
  it('finds the primary through the sentinel and serves chat', async () => {
    const primary = await TestRedis.start();
    const port = await startSentinel(primary.port);
    const nodes = await startInstances(2, 'redis://unused', {
      REDIS_URL: '',
      REDIS_SENTINELS: `127.0.0.1:${port}`,
      REDIS_SENTINEL_NAME: 'chatprimary',
    });
    await chatAcross(
      nodes.map((n) => n.url),
      'watched',
    );
    // The message is in the primary the sentinel named.
    const r = primary.client();
    expect(await r.xlen('chat:room:{watched}:log')).toBe(1);
    r.disconnect();
  });
});
