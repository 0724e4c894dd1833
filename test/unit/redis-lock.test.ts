import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireClusterLock } from '../../src/server/local-cluster/cluster-lock.js';
import { acquireRedisLock } from '../../src/server/local-cluster/redis-lock.js';
import { tmpDir } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  await redis.down();
});

describe('the private Redis lock', () => {
  it('refuses a directory whose Redis runs, naming it, also from a lock an older version wrote (no address)', () => {
    const file = path.join(tmpDir('lock'), 'redis.lock');
    writeFileSync(file, JSON.stringify({ redisPid: redis.pid, supervisorPid: process.pid }));
    let message = '';
    try {
      acquireRedisLock(file, '/data', '/run/redis.sock');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`already running (redis-server pid ${redis.pid}; started by`);
    expect(message).not.toContain('undefined');
    // Refused: the lock is left as it was.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      redisPid: redis.pid,
      supervisorPid: process.pid,
    });
  });

  it('takes over a file that is not a lock it can read, as a stale one', () => {
    const file = path.join(tmpDir('lock'), 'redis.lock');
    writeFileSync(file, JSON.stringify({ redisPid: 'x' }));
    const lock = acquireRedisLock(file, '/data', '/run/redis.sock');
    expect(lock.supervisorPid).toBe(process.pid);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ address: '/run/redis.sock' });
  });
});

describe("the local cluster's state directory lock", () => {
  it('is refused while its chat-server runs, taken over when it is gone, and released only by its owner', () => {
    const dir = tmpDir('cluster-lock');
    const file = path.join(dir, 'cluster.lock');
    // Held by a running node process (the test runner's parent): refused, left as it was.
    const held = JSON.stringify({ supervisorPid: process.ppid, startedAt: 1 });
    writeFileSync(file, held);
    expect(() => acquireClusterLock(dir)).toThrow(
      `a local cluster already runs from ${dir} (chat-server pid ${process.ppid})`,
    );
    expect(readFileSync(file, 'utf8')).toBe(held);
    // Its chat-server is gone (no such pid): stale, taken over.
    writeFileSync(file, JSON.stringify({ supervisorPid: 2 ** 22 + 1, startedAt: 1 }));
    const release = acquireClusterLock(dir);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ supervisorPid: process.pid });
    release();
    expect(existsSync(file)).toBe(false);
    // A lock another start took meanwhile is not this one's to remove.
    const again = acquireClusterLock(dir);
    writeFileSync(file, held);
    again();
    expect(readFileSync(file, 'utf8')).toBe(held);
  });
});
