import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireClusterLock } from '../../src/server/local-cluster/cluster-lock.js';
import { z } from 'zod';
import {
  acquireRedisLock,
  pidRuns,
  removeIfStill,
  takeLockFile,
} from '../../src/server/local-cluster/redis-lock.js';
import { eventually } from '../helpers/eventually.js';
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

describe('whether a pid runs', () => {
  it('a process killed and not yet reaped by its parent (a zombie) does not', async () => {
    // sh starts a sleep in the background and becomes another sleep, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 100 & echo $!; exec sleep 1000'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const child = Number(
        await new Promise<string>((resolve) =>
          parent.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
        ),
      );
      expect(pidRuns(child)).toBe(true);
      // Killed while sh is still sh, the sleep would be reaped by it: wait for the exec.
      await eventually(
        () => expect(readFileSync(`/proc/${parent.pid!}/comm`, 'utf8')).toBe('sleep\n'),
        { what: 'sh became the sleep that never reaps' },
      );
      process.kill(child, 'SIGKILL');
      await eventually(() => expect(readFileSync(`/proc/${child}/stat`, 'utf8')).toMatch(/\) Z /), {
        what: 'the killed sleep a zombie',
      });
      expect(pidRuns(child)).toBe(false);
      expect(pidRuns(parent.pid!)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('a lock file', () => {
  const Owner = z.object({ owner: z.number() });
  const held = (o: { owner: number }): boolean => pidRuns(o.owner);
  const refusal = (o: { owner: number }): Error => new Error(`held by ${o.owner}`);
  const GONE = 2 ** 22 + 1; // no such pid

  it('found stale by two starts at once goes to one: the other finds it taken and is refused', () => {
    const dir = tmpDir('lock-race');
    const file = path.join(dir, 'x.lock');
    writeFileSync(file, JSON.stringify({ owner: GONE }));
    // A rival start (its owner a running process) read the same stale lock, and takes it
    // while this one is about to remove "the stale one".
    let rival = true;
    const beforeBreak = (): void => {
      if (!rival) return;
      rival = false;
      takeLockFile(file, { owner: process.ppid }, Owner, held, refusal);
    };
    expect(() =>
      takeLockFile(file, { owner: process.pid }, Owner, held, refusal, beforeBreak),
    ).toThrow(`held by ${process.ppid}`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ owner: process.ppid });
    // Nothing of either start is left beside it.
    expect(readdirSync(dir)).toEqual(['x.lock']);
  });

  /**
   * A stale lock and a breaker left `ageMs` ago by a start that died while removing it; this
   * start takes the lock (the breaker's age is what it waits on). The directory after.
   */
  const pastBreaker = (ageMs: number): string[] => {
    const dir = tmpDir('lock-breaker');
    const file = path.join(dir, 'x.lock');
    writeFileSync(file, JSON.stringify({ owner: GONE }));
    writeFileSync(`${file}.breaking`, '1\n');
    const at = (Date.now() - ageMs) / 1000;
    utimesSync(`${file}.breaking`, at, at);
    takeLockFile(file, { owner: process.pid }, Owner, held, refusal);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ owner: process.pid });
    return readdirSync(dir);
  };

  it('is taken over past a breaker left by a start that died while removing a stale one', () => {
    expect(pastBreaker(60_000)).toEqual(['x.lock']);
  });

  it('waits out a breaker left moments ago by a start that died, then takes the lock', () => {
    // 7 s old: 3 s before a breaker counts as its dead start's.
    expect(pastBreaker(7000)).toEqual(['x.lock']);
  });
});

describe('a file removed only if it still holds what was read', () => {
  it('goes when it does; put back when another took its place since, and never someone else', () => {
    const dir = tmpDir('remove-if-still');
    const file = path.join(dir, 'x.breaking');
    writeFileSync(file, 'dead 1\n');
    expect(removeIfStill(file, 'dead 1\n')).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    // Read as stale ('dead 1'), then another start removed it and made its own: that one stays.
    writeFileSync(file, 'alive 2\n');
    expect(removeIfStill(file, 'dead 1\n')).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('alive 2\n');
    expect(readdirSync(dir)).toEqual(['x.breaking']);
    // Gone already: nothing to do.
    expect(removeIfStill(path.join(dir, 'none'), 'x')).toBe(false);
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
