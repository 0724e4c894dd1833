import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { InstanceStatus } from '../../src/protocol/index.js';
import { ensureIdFree, IdInUseError } from '../../src/server/ops/instance-id.js';
import {
  RateCounter,
  STATUS_TTL_MS,
  StatusReporter,
  startingStatus,
} from '../../src/server/ops/status.js';
import { makeKeys } from '../../src/server/redis/keys.js';
import { LocalCluster } from '../admin/local-cluster.js';
import { startInstances, useCluster } from '../helpers/cluster.js';

/** A status as an instance `boot` would claim its id with, started at `startedAt`. */
const statusOf = (boot: string, startedAt: number): InstanceStatus =>
  startingStatus({
    id: 'twin',
    bootId: boot,
    host: '127.0.0.1',
    hostname: 'elsewhere',
    port: 1,
    pid: 1,
    startedAt,
    version: '0',
  });

const ENV = { CHAT_KEY_PREFIX: 'dup:' };
const cluster = useCluster(1, ENV);

describe('an instance id', () => {
  it('in use by a live instance is refused at start; one whose instance crashed here is free at once', async () => {
    const [live] = cluster.nodes;
    // A second chat-1 on the same Redis: its status would overwrite the first's, and a
    // restart of chat-1 would drain both.
    await expect(startInstances(1, cluster.redis, ENV)).rejects.toThrow(
      /instance id \\?"chat-1\\?" is in use by a live instance \(boot \w+, pid \d+ at [^)]+\): give this one another id/,
    );
    // The first one is untouched: still ready.
    expect((await fetch(`${live!.url}/readyz`)).status).toBe(200);

    // Crashed (its status left behind, written by a process of this machine that is gone):
    // its id is free for the next start, without waiting for the status to expire.
    await live!.kill('SIGKILL');
    const [again] = await startInstances(1, cluster.redis, ENV);
    expect(again!.bootId).not.toBe(live!.bootId);
  });

  it('in use makes a second local cluster on the same Redis and key prefix stop, not retry forever', async () => {
    const env = { ...cluster.redis.env(), CHAT_KEY_PREFIX: 'two:' };
    const first = await LocalCluster.start(1, env);
    try {
      // Its chat-1 is the first's: refused, and the start ends (it restarted it with backoff,
      // and never printed its banner).
      await expect(LocalCluster.start(1, env)).rejects.toThrow('chat-server start exited 1');
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
  });

  it('taken by two starts at once goes to one of them; the other is refused', async () => {
    const redis = cluster.redis.client();
    const keys = makeKeys('race:');
    try {
      for (let round = 0; round < 20; round++) {
        const id = `race-${round}`;
        const starts = ['a', 'b'].map((boot) =>
          ensureIdFree(redis, keys, id, () => statusOf(boot, Date.now())),
        );
        const [a, b] = await Promise.allSettled(starts);
        const won = [a, b].filter((r) => r!.status === 'fulfilled');
        expect(won).toHaveLength(1);
        const lost = [a, b].find((r) => r!.status === 'rejected') as PromiseRejectedResult;
        expect(lost.reason).toBeInstanceOf(IdInUseError);
        // The winner's claim is what the id's status says until its first beat.
        const held = JSON.parse((await redis.get(keys.instance(id)))!) as InstanceStatus;
        expect(held.bootId).toBe(a!.status === 'fulfilled' ? 'a' : 'b');
      }
    } finally {
      redis.disconnect();
    }
  });

  it('left by a crashed instance and expiring between the look and the claim is taken', async () => {
    const redis = cluster.redis.client();
    const keys = makeKeys('expiring:');
    const key = keys.instance('twin');
    // A process of this machine that is gone: its status is taken over without waiting.
    const dead = spawn(process.execPath, ['-e', '']);
    await once(dead, 'exit');
    const left = { ...statusOf('crashed', 1000), hostname: os.hostname(), pid: dead.pid! };
    await redis.set(key, JSON.stringify(left), 'PX', STATUS_TTL_MS);
    // It expires after the start read it, before its claim reaches Redis.
    const late = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop !== 'eval') return Reflect.get(target, prop, receiver) as unknown;
        return async (...args: Parameters<typeof redis.eval>) => {
          await target.del(key);
          return target.eval(...args);
        };
      },
    });
    try {
      await ensureIdFree(late, keys, 'twin', () => statusOf('next', Date.now()));
      const held = JSON.parse((await redis.get(key))!) as InstanceStatus;
      expect(held.bootId).toBe('next');
    } finally {
      redis.disconnect();
    }
  });

  it('written by two live instances: the later to start yields it, the first goes on', async () => {
    const redis = cluster.redis.client();
    const keys = makeKeys('twins:');
    const yielded: string[] = [];
    const reporter = (boot: string, startedAt: number): StatusReporter =>
      new StatusReporter(
        redis,
        keys,
        {
          id: 'twin',
          bootId: boot,
          host: '127.0.0.1',
          port: () => 1,
          startedAt,
          version: '0',
          state: () => 'ready',
          connections: () => 0,
          rooms: () => 0,
          redisOk: () => true,
          yieldId: (other) => yielded.push(`${boot} to ${other.bootId}`),
        },
        new RateCounter(),
      );
    const first = reporter('first', 1000);
    const later = reporter('later', 2000);
    try {
      await first.publish();
      await first.publish();
      expect(yielded).toEqual([]);
      await later.publish(); // replaces the first's status: the later one yields
      await first.publish(); // replaces the later one's: the first keeps its id
      await later.publish(); // said once
      expect(yielded).toEqual(['later to first']);
    } finally {
      first.stop();
      later.stop();
      redis.disconnect();
    }
  });
});
