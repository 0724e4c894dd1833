import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { chatAcross, startInstances, TestInstance } from '../helpers/cluster.js';
import { exited, freePort, killAll } from '../helpers/processes.js';
import { TestRedis, documentedAcl, startSentinel } from '../helpers/redis.js';
import { TestRedisCluster } from '../helpers/redis-cluster.js';

/**
 * A Redis Cluster and a Sentinel-managed primary that require credentials, as managed
 * services do: the instances log in with REDIS_USERNAME / REDIS_PASSWORD (and the sentinels
 * with REDIS_SENTINEL_PASSWORD) and serve chat across two instances; an instance without them
 * does not start, and says what Redis answered.
 */
afterAll(killAll);

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

    // Without credentials, and as a user who may not run CLUSTER INFO (ioredis's ready
    // check, which fails without an error event): each start says why it could not.
    for (const port of ports) {
      const r = new Redis({
        host: '127.0.0.1',
        port,
        username: 'admin',
        password: 'pw-admin',
        maxRetriesPerRequest: 1,
      });
      await r.call('ACL', 'SETUSER', 'noinfo', ...documentedAcl('pw-noinfo'), '+cluster|slots');
      r.disconnect();
    }
    const refusals = [
      ['chat-x', {}, /NOAUTH|WRONGPASS|authentication/i],
      ['chat-y', { REDIS_USERNAME: 'noinfo', REDIS_PASSWORD: 'pw-noinfo' }, /cluster\|info/],
    ] as const;
    // Both at once: each waits out the instance's 10 s for Redis.
    await Promise.all(
      refusals.map(async ([id, more, said]) => {
        const refused = new TestInstance(id, await freePort(), { ...env, ...more });
        await expect(refused.start()).rejects.toThrow(/exited with 1 before it was ready/);
        expect(JSON.stringify(refused.log.lines)).toMatch(said);
        await exited(refused.proc);
      }),
    );
  });
});

describe('a Sentinel-managed primary and sentinels that need passwords', () => {
  it('serves chat with REDIS_PASSWORD and REDIS_SENTINEL_PASSWORD', async () => {
    const primary = await TestRedis.start();
    const admin = primary.client();
    await admin.config('SET', 'requirepass', 'pw-primary');
    admin.disconnect();
    const port = await startSentinel(primary.port, {
      password: 'pw-sentinel',
      primaryPassword: 'pw-primary',
    });
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
