import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
