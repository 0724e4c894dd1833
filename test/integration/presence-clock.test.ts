import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeKeys, type Keys } from '../../src/server/redis/keys.js';
import { Presence } from '../../src/server/rooms/presence.js';
import { TestRedis } from '../helpers/redis.js';

/**
 * Presence's clock, on a real redis-server with a fake `Date`. Its scripts take the time as an
 * argument (`now`, from the instance's clock), so setting the clock drives every expiry
 * (an instance's 3 s mark, a member entry's 60 s) exactly, without waiting for it; Redis itself
 * is not faked. Two `Presence` objects with their own boot ids are two instances; one that
 * stops beating is an instance that was killed or stalled.
 */

let redis: TestRedis;
let conn: Redis;
let keys: Keys;
let base: number;

/** Sets the (fake) clock to `ms` after the test's start. */
const at = (ms: number): void => {
  vi.setSystemTime(base + ms);
};

const names = async (p: Presence, room = 'lobby'): Promise<string[]> =>
  (await p.members(room)).members;

beforeAll(async () => {
  redis = await TestRedis.start();
  conn = redis.client();
});

afterAll(async () => {
  conn?.disconnect();
  await redis?.down();
});

beforeEach(() => {
  // Only Date: ioredis keeps its real timers.
  vi.useFakeTimers({ toFake: ['Date'] });
  base = Date.now();
  keys = makeKeys(`t${randomBytes(4).toString('hex')}:`);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('presence against the clock (real Redis, fake Date)', () => {
  it('a killed instance’s members leave every list when its mark is 3 s old, not before', async () => {
    const a = new Presence(conn, keys, 'boot-a');
    const b = new Presence(conn, keys, 'boot-b');
    at(0);
    await a.join('lobby', 'alice', true);
    await b.join('lobby', 'bob', true);
    expect(await names(a)).toEqual(['alice', 'bob']);

    // b is killed: it never beats again. a beats every second.
    for (const ms of [1000, 2000]) {
      at(ms);
      expect(await a.heartbeat()).toEqual([]);
    }
    at(2999);
    expect(await names(a)).toEqual(['alice', 'bob']);

    // Past b's mark: its member is hidden from reads at once, and a's next beat drops the
    // entry and says the room's list changed (so its members are told).
    at(3001);
    expect(await names(a)).toEqual(['alice']);
    expect(await a.heartbeat()).toEqual(['lobby']);
    expect(await conn.zrange(keys.roomPresence('lobby'), '0', '-1')).toEqual(['boot-a|alice']);
  });

  it('a live instance keeps its members past the entries’ 60 s: they are renewed as it beats', async () => {
    const a = new Presence(conn, keys, 'boot-a');
    const b = new Presence(conn, keys, 'boot-b');
    at(0);
    await a.join('lobby', 'alice', true);
    await b.join('lobby', 'bob', true);
    // Two minutes of beats, one a second: twice the life of an entry that is never renewed.
    for (let s = 1; s <= 130; s++) {
      at(s * 1000);
      expect(await a.heartbeat(), `a's beat at ${s} s`).toEqual([]);
      expect(await b.heartbeat(), `b's beat at ${s} s`).toEqual([]);
      if (s % 10 === 0) expect(await names(a), `members at ${s} s`).toEqual(['alice', 'bob']);
    }
  });

  it('an instance whose beat came too late puts its members back on its next beats', async () => {
    const a = new Presence(conn, keys, 'boot-a');
    const b = new Presence(conn, keys, 'boot-b');
    at(0);
    await a.join('lobby', 'alice', true);
    await b.join('lobby', 'bob', true);
    at(1000);
    await a.heartbeat();
    await b.heartbeat();

    // b stalls (a long pause of its event loop); a goes on, and at 4 s drops b's member.
    for (const ms of [2000, 3000]) {
      at(ms);
      expect(await a.heartbeat()).toEqual([]);
    }
    at(4000);
    expect(await a.heartbeat()).toEqual(['lobby']);
    expect(await names(a)).toEqual(['alice']);

    // b wakes: its first beat finds its mark gone, the next puts bob back and says so.
    at(4500);
    await b.heartbeat();
    at(5000);
    expect(await a.heartbeat()).toEqual([]);
    expect(await b.heartbeat()).toEqual(['lobby']);
    expect(await names(a)).toEqual(['alice', 'bob']);
  });
});
