import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, Redis, type Result } from 'ioredis';
import type { RedisConn } from '../../src/server/redis/clients.js';
import { defineScript } from '../../src/server/redis/scripts.js';
import {
  RENEWAL_COMMANDS,
  definePresenceRenew,
} from '../../src/server/rooms/scripts/presence-renew.js';
import { BACKENDS, commandClient, startStore, type TestStore } from '../helpers/cluster.js';
import { TestRedis } from '../helpers/redis.js';
import { deltaOf, RedisProbe } from '../../bench/redis-stats.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    testScriptEcho(key: string, value: string): Result<[string, string], Context>;
    testScriptIncr(key: string): Result<number, Context>;
  }
}

/** Echoes its key and argument back. */
const ECHO = `return {KEYS[1], ARGV[1]}`;
const INCR = `return redis.call('INCR', KEYS[1])`;

describe.each(BACKENDS)('scripts defined once for every pipeline (%s)', (backend) => {
  let store: TestStore;
  let a: RedisConn;
  let b: RedisConn;
  beforeAll(async () => {
    store = await startStore(backend);
    a = commandClient(store);
    b = commandClient(store);
    defineScript(a, 'testScriptEcho', { numberOfKeys: 1, lua: ECHO });
    defineScript(a, 'testScriptIncr', { numberOfKeys: 1, lua: INCR });
    // The same script on a second connection, as two instances in one process define theirs.
    defineScript(b, 'testScriptEcho', { numberOfKeys: 1, lua: ECHO });
  }, 60_000);
  afterAll(async () => {
    a?.disconnect();
    b?.disconnect();
    await store?.down();
  });

  it('runs auto-pipelined, in multi() and in pipeline(), on keys of many slots', async () => {
    // Fifty calls in one turn: they leave in one auto-pipeline per node, EVAL the first time
    // on each connection and EVALSHA after.
    const keys = Array.from({ length: 50 }, (_, i) => `scripts:{k${i}}`);
    const echoed = await Promise.all(keys.map((k, i) => a.testScriptEcho(k, `v${i}`)));
    expect(echoed).toEqual(keys.map((k, i) => [k, `v${i}`]));
    const again = await Promise.all(keys.map((k) => b.testScriptEcho(k, 'b')));
    expect(again.map((r) => r[1])).toEqual(keys.map(() => 'b'));

    const multi = await a
      .multi()
      .testScriptIncr('scripts:{m}')
      .testScriptIncr('scripts:{m}')
      .testScriptEcho('scripts:{m}', 'x')
      .exec();
    expect(multi).toEqual([
      [null, 1],
      [null, 2],
      [null, ['scripts:{m}', 'x']],
    ]);
    const piped = await a.pipeline().testScriptIncr('scripts:{p}').exec();
    expect(piped).toEqual([[null, 1]]);
  });

  it('runs again after Redis forgot its scripts (NOSCRIPT: sent as EVAL)', async () => {
    await a.testScriptIncr('scripts:{f}');
    const nodes = a instanceof Cluster ? a.nodes('master') : [a];
    await Promise.all(nodes.map((n) => n.script('FLUSH')));
    expect(await a.testScriptIncr('scripts:{f}')).toBe(2);
    expect(await a.multi().testScriptIncr('scripts:{f}').exec()).toEqual([[null, 3]]);
  });

  it('copies no script onto a pipeline it makes', () => {
    // ioredis's defineCommand alone puts two properties per script on every pipeline, in its
    // constructor: an auto-pipelined client makes one for every turn it sends in.
    const p = a.pipeline();
    expect(Object.keys(p).filter((k) => k.startsWith('testScript'))).toEqual([]);
    expect(typeof p.testScriptEcho).toBe('function');
  });

  it('refuses a second, different script under a name already defined', () => {
    expect(() => defineScript(b, 'testScriptIncr', { numberOfKeys: 1, lua: `return 0` })).toThrow(
      /testScriptIncr is already defined with other Lua/,
    );
    expect(() => defineScript(b, 'testScriptEcho', { numberOfKeys: 2, lua: ECHO })).toThrow(
      /already defined/,
    );
  });
});

/**
 * The capacity model charges each (room, instance) pair a presence renewal every 20 s at
 * RENEWAL_COMMANDS commands (bench/costs.ts); this is what Redis itself counts for one.
 */
describe("a presence renewal's commands, as the capacity model counts them", () => {
  let redis: TestRedis;
  let r: Redis;
  beforeAll(async () => {
    redis = await TestRedis.start();
    r = new Redis(redis.url);
    definePresenceRenew(r);
  });
  afterAll(async () => {
    r?.disconnect();
    await redis?.down();
  });

  it('is RENEWAL_COMMANDS with no dead instance to drop', async () => {
    const renew = (): Promise<number> => {
      const now = Date.now();
      return r.chatPresenceRenew(
        'p:{room}:ids',
        'p:{room}:entries',
        'p:{room}:meta',
        now,
        'pid-1',
        now + 60_000,
        120_000,
        0,
        'alice',
        'bob',
      );
    };
    // The first call loads the script (EVALSHA refused, then EVAL); the instance's every later
    // renewal runs it by its hash, as this second one does.
    await renew();
    // Counted as the bench counts a phase's commands (bench/redis-stats.ts).
    const probe = new RedisProbe(redis.url);
    try {
      const before = await probe.read();
      expect(await renew()).toBe(0);
      expect(deltaOf(before, await probe.read()).commands).toBe(RENEWAL_COMMANDS);
    } finally {
      probe.close();
    }
  });
});
