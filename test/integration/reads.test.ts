import { describe, expect, it } from 'vitest';
import { login } from '../../src/client/api.js';
import type { ChatMessage, HistoryResult, Result } from '../../src/protocol/index.js';
import { useCluster, userName } from '../helpers/cluster.js';
import { ask, code, ok, socketPool } from '../helpers/raw.js';

/**
 * Reads write nothing: history and member lists of rooms that do not exist, and of
 * conversations with users that do not exist, answer empty (or `not_found`) and leave Redis
 * exactly as it was. Only a join creates a room (and its epoch).
 */
const cluster = useCluster(2);

const pool = socketPool();
const open = pool.open;

/** Keys that are there now and were not in `before`. */
async function newKeys(before: string[]): Promise<string[]> {
  const had = new Set(before);
  return (await cluster.redis.allKeys()).filter((k) => !had.has(k)).sort();
}

describe('reads', () => {
  it('of rooms and conversations that do not exist answer empty or not_found and write nothing', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const reader = userName('reader');
    const peer = userName('peer');
    const token = (await login(a, reader, 'password-1')).token;
    await login(b, peer, 'password-1');
    const onA = await open(a, token);
    const onB = await open(b, token);
    // Let the sessions' first touches and the instances' status writes settle into the
    // key set: a read of the cluster status needs nothing of the rooms.
    await ok(ask(onA, 'room:list', {}));

    const keysBefore = await cluster.redis.allKeys();
    const countBefore = await cluster.redis.keyCount();
    const answers = new Map<string, number>();
    const tally = (what: string, r: Result<unknown>): void => {
      const k = `${what} ${code(r)}`;
      answers.set(k, (answers.get(k) ?? 0) + 1);
    };
    const epoch = 'abcdef';
    const reads: [string, string, unknown][] = [];
    for (let i = 0; i < 100; i++) {
      const ghost = `ghost-${i}`;
      const nobody = `@nosuchuser-${i}`;
      reads.push(
        ['history of a room', 'room:history', { room: ghost }],
        ['history of a room', 'room:history', { room: ghost, since: '1-0', epoch }],
        ['history of a room', 'room:history', { room: ghost, before: '9-0', limit: 5 }],
        ['history of nobody', 'room:history', { room: nobody }],
        ['history of nobody', 'room:history', { room: nobody, since: '1-0', epoch }],
        ['members of a room', 'room:members', { room: ghost }],
        ['members of nobody', 'room:members', { room: nobody }],
        // A conversation with a real user that was never opened: nothing to read.
        ['history of an unopened conversation', 'room:history', { room: `@${peer}` }],
        ['join of nobody', 'room:join', { room: nobody }],
        [
          'send to an unjoined room',
          'message:send',
          {
            room: ghost,
            text: 'hi',
            clientMsgId: `reads-${i}-0001`,
          },
        ],
      );
    }
    expect(reads).toHaveLength(1000);
    await Promise.all(
      reads.map(async ([what, event, payload], i) =>
        tally(what, await ask(i % 2 ? onB : onA, event, payload)),
      ),
    );
    const made = await newKeys(keysBefore);
    expect(made.length, `keys made by reads, e.g. ${made.slice(0, 3).join(' ')}`).toBe(0);
    expect(await cluster.redis.keyCount()).toBeLessThanOrEqual(countBefore);
    expect(Object.fromEntries(answers)).toEqual({
      'history of a room ok': 300,
      'history of nobody not_found': 200,
      'members of a room ok': 100,
      'members of nobody not_found': 100,
      'history of an unopened conversation ok': 100,
      'join of nobody not_found': 100,
      'send to an unjoined room not_member': 100,
    });

    // What they answered: nothing, in no epoch (there is none yet), and the user named.
    const h = await ok(ask<HistoryResult>(onA, 'room:history', { room: 'ghost-1' }));
    expect(h).toEqual({
      room: 'ghost-1',
      messages: [],
      hasMore: false,
      truncated: false,
      unrecoverable: false,
    });
    // A position in an epoch the room does not have is not a position in it.
    const stale = await ok(
      ask<HistoryResult>(onA, 'room:history', { room: 'ghost-1', since: '1-0', epoch }),
    );
    expect(stale.unrecoverable).toBe(true);
    expect(stale.epoch).toBeUndefined();
    const nobody = await ask(onA, 'room:history', { room: '@nosuchuser-1' });
    expect(!nobody.ok && nobody.error.message).toBe('there is no user named nosuchuser-1');
    const members = await ok(ask(onA, 'room:members', { room: 'ghost-1' }));
    expect(members).toEqual({ room: 'ghost-1', members: [], count: 0 });
  });

  it('leave the epoch to the join: a room read empty, then joined, has one epoch from then on', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const token = (await login(a, userName('later'), 'password-1')).token;
    const onA = await open(a, token);
    const onB = await open(b, token);
    const before = await cluster.redis.allKeys();
    const empty = await ok(ask<HistoryResult>(onA, 'room:history', { room: 'made-later' }));
    expect(empty.epoch).toBeUndefined();
    expect(await newKeys(before)).toEqual([]);

    // The join makes the room and its epoch; everything after carries that one epoch.
    const joined = await ok(
      ask<{ epoch: string; lastSeq: number; messages: ChatMessage[] }>(onA, 'room:join', {
        room: 'made-later',
      }),
    );
    expect(joined.epoch).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(joined.lastSeq).toBe(0);
    expect(joined.messages).toEqual([]);
    const sent = await ok(
      ask<{ id: string; seq: number; epoch: string }>(onA, 'message:send', {
        room: 'made-later',
        text: 'first',
        clientMsgId: 'reads-later-0001',
      }),
    );
    expect(sent).toMatchObject({ seq: 1, epoch: joined.epoch });
    // Read from another instance, by a socket that never joined: the same epoch.
    const read = await ok(
      ask<HistoryResult>(onB, 'room:history', {
        room: 'made-later',
        since: '0-0',
        epoch: joined.epoch,
      }),
    );
    expect(read.epoch).toBe(joined.epoch);
    expect(read.unrecoverable).toBe(false);
    expect(read.messages.map((m) => [m.seq, m.text, m.epoch])).toEqual([
      [1, 'first', joined.epoch],
    ]);
    // A join of the room by someone else now gets the same epoch too.
    const again = await ok(ask<{ epoch: string }>(onB, 'room:join', { room: 'made-later' }));
    expect(again.epoch).toBe(joined.epoch);
    pool.closeAll();
  });
});
