import { afterAll, describe, expect, it } from 'vitest';
import {
  AWAY_MESSAGE_MAX,
  AWAY_QUERY_MAX,
  type AwayList,
  type AwaySetResult,
} from '../../src/protocol/index.js';
import { useCluster, userName } from '../helpers/cluster.js';
import { ask, code, ok, socketPool, type RawSocket } from '../helpers/raw.js';

/**
 * Away messages on the wire, on one Redis and on a Redis Cluster (each user's away key lives
 * in the user's own slot, so `away:get` of several users reads several slots): set on one
 * instance, read on another and by the user's other sockets, kept across a new connection,
 * cleared by `/back`, and bad input changes nothing.
 */
const cluster = useCluster(2);
const pool = socketPool();
afterAll(() => pool.closeAll());

/** Logs a fresh user in and opens a bare socket on instance `n` (0 or 1). */
const user = (prefix: string, n = 0) => pool.user(cluster.nodes[n]!.url, userName(prefix));

const setAway = (s: RawSocket, payload: object): Promise<AwaySetResult> =>
  ok(ask<AwaySetResult>(s, 'away:set', payload));
const getAway = (s: RawSocket, users: string[]): Promise<AwayList> =>
  ok(ask<AwayList>(s, 'away:get', { users }));

describe('away messages', () => {
  it('set on one instance is seen from another, kept for a new connection, cleared by back', async () => {
    const bob = await user('bob', 0);
    const carol = await user('carol', 1);
    const dan = await user('dan', 1);
    const before = Date.now();
    const set = await setAway(bob.s, { message: '  lunch,\n back at 2  ' });
    expect(set.away).toMatchObject({ user: bob.name, message: 'lunch, back at 2' });
    const since = set.away!.since;
    expect(since).toBeGreaterThanOrEqual(before);
    await setAway(dan.s, { message: 'meeting' });

    // Three users in three slots (on a cluster), asked in one request, answered in order.
    const { away } = await getAway(carol.s, [dan.name, carol.name, bob.name, dan.name]);
    expect(away).toEqual([
      { user: dan.name, message: 'meeting', since: expect.any(Number) as number },
      { user: bob.name, message: 'lunch, back at 2', since },
    ]);

    // A new message keeps the away period; a new connection of bob's sees it.
    // Control characters around it go as white space does; inside they are refused.
    const bell = await setAway(bob.s, { message: '\u0007\u001b still at lunch \u0007' });
    expect(bell.away).toMatchObject({ message: 'still at lunch' });
    const again = await setAway(bob.s, { message: 'still at lunch' });
    expect(again.away).toEqual({ user: bob.name, message: 'still at lunch', since });
    const bob2 = await pool.open(cluster.nodes[1]!.url, bob.token);
    expect((await getAway(bob2, [bob.name])).away).toEqual([again.away]);

    // Back: gone for everyone; away again is a new period.
    expect(await setAway(bob2, {})).toEqual({ away: null });
    expect((await getAway(carol.s, [bob.name])).away).toEqual([]);
    expect(await setAway(bob.s, { message: '   ' })).toEqual({ away: null });
    const later = await setAway(bob.s, { message: 'gone again' });
    expect(later.away!.since).toBeGreaterThanOrEqual(since);
    expect((await getAway(carol.s, [bob.name])).away).toEqual([later.away]);
  });

  it('bad input is answered bad_request and changes nothing', async () => {
    const eve = await user('eve', 0);
    await setAway(eve.s, { message: 'out' });
    const cases: [string, unknown][] = [
      ['away:set', { message: 'x'.repeat(AWAY_MESSAGE_MAX + 1) }],
      ['away:set', { message: 42 }],
      ['away:set', { message: 'ok', extra: 1 }],
      ['away:set', { message: '\ufe0f' }], // only invisible
      ['away:set', { message: 'back at \ud800 noon' }], // a lone surrogate
      ['away:set', null],
      ['away:get', { users: [] }],
      ['away:get', { users: ['Not A Name'] }],
      ['away:get', { users: Array.from({ length: AWAY_QUERY_MAX + 1 }, (_, i) => `u${i}`) }],
      ['away:get', { users: eve.name }],
    ];
    for (const [event, payload] of cases)
      expect(code(await ask(eve.s, event, payload)), `${event} ${JSON.stringify(payload)}`).toBe(
        'bad_request',
      );
    expect((await getAway(eve.s, [eve.name])).away).toMatchObject([{ message: 'out' }]);
  });
});
