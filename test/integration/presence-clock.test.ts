import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeKeys, type Keys } from '../../src/server/redis/keys.js';
import { Presence } from '../../src/server/rooms/presence.js';
import { useTestRedis } from '../helpers/redis.js';

/**
 * Presence's clock, on a real redis-server with a fake `Date`. Its scripts take the time as an
 * argument (`now`, from the instance's clock), so setting the clock drives every expiry
 * (an instance's 3 s presence id, a member entry's 60 s) exactly, without waiting for it; Redis itself
 * is not faked. Two `Presence` objects with their own boot ids are two instances; one that
 * stops beating is an instance that was killed or stalled.
 */

const server = useTestRedis();
let conn: Redis;
let keys: Keys;
let base: number;

/** Sets the (fake) clock to `ms` after the test's start. */
const at = (ms: number): void => {
  vi.setSystemTime(base + ms);
};

const names = async (p: Presence, room = 'lobby'): Promise<string[]> =>
  (await p.members(room)).members;

beforeEach(() => {
  conn = server.conn;
  // Only Date: ioredis keeps its real timers.
  vi.useFakeTimers({ toFake: ['Date'] });
  base = Date.now();
  keys = makeKeys(`t${randomBytes(4).toString('hex')}:`);
});

afterEach(() => {
  vi.useRealTimers();
});

/** Two instances, a and b, at time 0: alice in the lobby on a, bob on b. */
const aliceAndBob = async (): Promise<{ a: Presence; b: Presence }> => {
  const a = new Presence(conn, keys, 'boot-a');
  const b = new Presence(conn, keys, 'boot-b');
  at(0);
  await a.join('lobby', 'alice', true);
  await b.join('lobby', 'bob', true);
  return { a, b };
};

/** Calls of scripts Redis has run so far (every presence command is one). */
const scriptCalls = async (): Promise<number> => {
  const stats = await conn.info('commandstats');
  const calls = (cmd: string): number =>
    Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  return calls('eval') + calls('evalsha');
};

describe('presence against the clock (real Redis, fake Date)', () => {
  it('a killed instance’s members leave every list at the first beat after its id is 3 s old, and the room is told', async () => {
    const { a } = await aliceAndBob();
    expect(await names(a)).toEqual(['alice', 'bob']);

    // b is killed: it never beats again. a beats every second.
    for (const ms of [1000, 2000]) {
      at(ms);
      expect(await a.heartbeat()).toEqual([]);
    }
    at(2999);
    expect(await names(a)).toEqual(['alice', 'bob']);

    // b's id expires at 3 s: a's beat then sees it dead, hides its member, drops the entry
    // and says the room's list changed (so its members are told).
    at(3000);
    expect(await a.heartbeat()).toEqual(['lobby']);
    expect(await names(a)).toEqual(['alice']);
    expect(await conn.zrange(keys.roomPresence('lobby'), '0', '-1')).toEqual(['boot-a|alice']);
    // Dropped once: the next beat has nothing to say.
    at(4000);
    expect(await a.heartbeat()).toEqual([]);
  });

  it('a live instance keeps its members past the entries’ 60 s: they are renewed as it beats', async () => {
    const { a, b } = await aliceAndBob();
    // Two minutes of beats, one a second: twice the life of an entry that is never renewed.
    for (let s = 1; s <= 130; s++) {
      at(s * 1000);
      expect(await a.heartbeat(), `a's beat at ${s} s`).toEqual([]);
      expect(await b.heartbeat(), `b's beat at ${s} s`).toEqual([]);
      if (s % 10 === 0) expect(await names(a), `members at ${s} s`).toEqual(['alice', 'bob']);
    }
  });

  it('an instance whose beat came too late comes back under a new id, and its members at once', async () => {
    const { a, b } = await aliceAndBob();
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

    // b wakes: its id expired, so its beat takes a new one and puts bob back under it, and
    // says so. a sees bob at once (a new id is alive until it is seen expired), though a has
    // not beaten since.
    at(4500);
    expect(await b.heartbeat()).toEqual(['lobby']);
    expect(b.presenceId).toBe('boot-b.1');
    // What the heartbeat tells the operator: one loss, 3.5 s after the last renewal.
    expect(b.idLosses).toEqual({ count: 1, lastGapMs: 3500 });
    expect(a.idLosses.count).toBe(0);
    expect(await names(a)).toEqual(['alice', 'bob']);
    at(5000);
    expect(await a.heartbeat()).toEqual([]);
    expect(await names(a)).toEqual(['alice', 'bob']);
    expect((await conn.zrange(keys.roomPresence('lobby'), '0', '-1')).sort()).toEqual([
      'boot-a|alice',
      'boot-b.1|bob',
    ]);
  });

  it('a mass disconnect that holds back the heartbeat renews the id from its leaves: no one else hides its members', async () => {
    const { a, b } = await aliceAndBob();
    for (const user of ['carol', 'dave', 'erin', 'frank', 'gina'])
      await b.join('lobby', user, true);
    at(1000);
    await a.heartbeat();
    await b.heartbeat();

    // b's sockets close by the thousand in one event-loop turn: its timer, so its heartbeat,
    // runs only when the turn is over. Its leaves go on meanwhile; a beats every second.
    const leaves: [number, string][] = [
      [1200, 'carol'],
      [2300, 'dave'],
      [3100, 'erin'],
      [4200, 'frank'],
    ];
    for (const [ms, user] of leaves) {
      at(ms);
      await b.leave('lobby', user);
      if (ms > 2000) {
        at(Math.floor(ms / 1000) * 1000 + 900);
        expect(await a.heartbeat()).toEqual([]);
        expect(await names(a)).toContain('gina');
      }
    }
    // The turn is over: b's heartbeat finds its id alive, never lost.
    at(5000);
    expect(await b.heartbeat()).toEqual([]);
    expect(b.presenceId).toBe('boot-b');
    expect(b.idLosses.count).toBe(0);
    expect(await names(a)).toEqual(['alice', 'bob', 'gina']);
  });

  it('an idle beat is one command, however many rooms the instance has members in', async () => {
    const a = new Presence(conn, keys, 'boot-a');
    at(0);
    for (let i = 0; i < 50; i++) await a.join(`room-${i}`, 'alice', true);
    // No room's entries are due for renewal before 10 s.
    at(1000);
    const before = await scriptCalls();
    expect(await a.heartbeat()).toEqual([]);
    expect((await scriptCalls()) - before).toBe(1);
    // The renewals come, spread: by 21 s every room has been renewed once, and the entries
    // (60 s) are still there.
    let calls = 0;
    for (let s = 2; s <= 21; s++) {
      at(s * 1000);
      const n = await scriptCalls();
      await a.heartbeat();
      calls += (await scriptCalls()) - n;
    }
    expect(calls).toBe(20 + 50);
    expect(await names(a, 'room-49')).toEqual(['alice']);
  });

  it('an instance that stops cleanly is gone from every list at the next beat of the others', async () => {
    const { a, b } = await aliceAndBob();
    // b's leave never reached Redis (say, Redis was busy as it closed); its id is withdrawn.
    await b.withdraw();
    at(500);
    expect(await a.heartbeat()).toEqual(['lobby']);
    expect(await names(a)).toEqual(['alice']);
  });
});
