import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForRedis } from '../../src/server/local-cluster/private-redis.js';
import { connectUser, startInstances, until } from '../helpers/cluster.js';
import { freePort, killAll, tmpDir, track } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';

afterAll(killAll);

describe('Redis behind Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME)', () => {
  it('finds the primary through the sentinel and serves chat', async () => {
    const primary = await TestRedis.start();
    const port = await freePort();
    const dir = tmpDir('sentinel');
    const conf = path.join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor chatprimary 127.0.0.1 ${primary.port} 1`,
        'sentinel down-after-milliseconds chatprimary 2000',
        '',
      ].join('\n'),
    );
    track(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    await waitForRedis(`redis://127.0.0.1:${port}`, 10_000);
    const nodes = await startInstances(2, 'redis://unused', {
      REDIS_URL: '',
      REDIS_SENTINELS: `127.0.0.1:${port}`,
      REDIS_SENTINEL_NAME: 'chatprimary',
    });
    const [a, b] = nodes.map((n) => n.url) as [string, string];
    const one = await connectUser([a]);
    const two = await connectUser([b]);
    await one.client.join('watched');
    await two.client.join('watched');
    await one.client.send('watched', 'through the sentinel');
    await until(two.client, () => two.client.rooms.get('watched')!.messages.length === 1);
    // The message is in the primary the sentinel named.
    const r = primary.client();
    expect(await r.xlen('chat:room:{watched}:log')).toBe(1);
    r.disconnect();
    one.client.close();
    two.client.close();
  });
});
