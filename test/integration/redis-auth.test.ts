import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForRedis } from '../../src/server/local-cluster/private-redis.js';
import { connectUser, startInstances, TestInstance, until } from '../helpers/cluster.js';
import { exited, freePort, killAll, tmpDir, track } from '../helpers/processes.js';
import { TestRedis, documentedAcl } from '../helpers/redis.js';
import { TestRedisCluster } from '../helpers/redis-cluster.js';

/**
 * A Redis Cluster and a Sentinel-managed primary that require credentials, as managed
 * services do: the instances log in with REDIS_USERNAME / REDIS_PASSWORD (and the sentinels
 * with REDIS_SENTINEL_PASSWORD) and serve chat across two instances; an instance without them
 * does not start, and says what Redis answered.
 */
afterAll(killAll);

/** Two users on two instances: one's message reaches the other. */
async function chatAcross(urls: string[], room: string): Promise<void> {
  const one = await connectUser([urls[0]!]);
  const two = await connectUser([urls[1]!]);
  try {
    await one.client.join(room);
    await two.client.join(room);
    await one.client.send(room, 'behind a password');
    await until(two.client, () => two.client.rooms.get(room)!.messages.length === 1);
  } finally {
    one.client.close();
    two.client.close();
  }
}

describe('a Redis Cluster whose nodes need a user and password', () => {
  it('serves chat with REDIS_USERNAME and REDIS_PASSWORD; without them an instance says why', async () => {
    const cluster = await TestRedisCluster.start();
    const ports = cluster.nodeList.split(',').map((n) => Number(n.split(':')[1]));
    // The documented user, with what a cluster client needs besides (docs/operations.md), and
    // an admin of the test's own to read the nodes' ACL LOG after.
    const admins: Redis[] = [];
    for (const port of ports) {
      const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      await r.call(
        'ACL',
        'SETUSER',
        'chat',
        ...documentedAcl('pw-cluster'),
        '+cluster|slots',
        '+cluster|info',
      );
      await r.call('ACL', 'SETUSER', 'admin', 'on', '>pw-admin', '~*', '&*', '+@all');
      await r.call('ACL', 'SETUSER', 'default', 'off');
      await r.call('ACL', 'LOG', 'RESET');
      r.disconnect();
      admins.push(
        new Redis({
          host: '127.0.0.1',
          port,
          username: 'admin',
          password: 'pw-admin',
          maxRetriesPerRequest: 1,
        }),
      );
    }
    const env = { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodeList };
    const nodes = await startInstances(2, 'redis://unused', {
      ...env,
      REDIS_USERNAME: 'chat',
      REDIS_PASSWORD: 'pw-cluster',
    });
    await chatAcross(
      nodes.map((n) => n.url),
      'locked',
    );
    // Nothing the instances sent was refused on any node.
    for (const a of admins) {
      expect(await a.call('ACL', 'LOG')).toEqual([]);
      a.disconnect();
    }

    const without = new TestInstance('chat-x', await freePort(), env);
    await expect(without.start()).rejects.toThrow(/exited with 1 before it was ready/);
    expect(JSON.stringify(without.log.lines)).toMatch(/NOAUTH|WRONGPASS|authentication/i);
    await exited(without.proc);
  });
});

describe('a Sentinel-managed primary and sentinels that need passwords', () => {
  it('serves chat with REDIS_PASSWORD and REDIS_SENTINEL_PASSWORD', async () => {
    const primary = await TestRedis.start();
    const admin = primary.client();
    await admin.config('SET', 'requirepass', 'pw-primary');
    admin.disconnect();
    const port = await freePort();
    const dir = tmpDir('sentinel-auth');
    const conf = path.join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        'requirepass pw-sentinel',
        `sentinel monitor chatprimary 127.0.0.1 ${primary.port} 1`,
        'sentinel auth-pass chatprimary pw-primary',
        'sentinel down-after-milliseconds chatprimary 2000',
        '',
      ].join('\n'),
    );
    track(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    await waitForRedis(`redis://:pw-sentinel@127.0.0.1:${port}`, 10_000);
    const nodes = await startInstances(2, 'redis://unused', {
      REDIS_URL: '',
      REDIS_SENTINELS: `127.0.0.1:${port}`,
      REDIS_SENTINEL_NAME: 'chatprimary',
      REDIS_PASSWORD: 'pw-primary',
      REDIS_SENTINEL_PASSWORD: 'pw-sentinel',
    });
    await chatAcross(
      nodes.map((n) => n.url),
      'guarded',
    );
    // The message is in the primary the sentinel named.
    const r = new Redis({ host: '127.0.0.1', port: primary.port, password: 'pw-primary' });
    expect(await r.xlen('chat:room:{guarded}:log')).toBe(1);
    r.disconnect();
  });
});
