import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { makeKeys } from '../../src/server/redis/keys.js';
import { clusterStatus } from '../../src/server/ops/status.js';
import { bulkUsers, useCluster, type TestStore } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';
import { ask, connected, ok, rawSocket, type RawSocket } from '../helpers/raw.js';

const cluster = useCluster(2);
const keys = makeKeys('chat:');
/** Bounds of the reads below (as the file's own poller had: 8 s each). */
const PRESENCE_SETTLED = { what: 'the room lists settled', timeoutMs: 8000 };
const STATUS_SETTLED = { what: 'no instance keeps the deserted room', timeoutMs: 8000 };

/** The sharded channels subscribed on every master of the store. */
async function shardChannels(store: TestStore): Promise<string[]> {
  const ports =
    store.kind === 'cluster' ? await store.masterPorts() : [Number(new URL(store.url).port)];
  expect(ports.length).toBeGreaterThan(0);
  const lists = await Promise.all(
    ports.map(async (port) => {
      const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      try {
        return (await r.call('PUBSUB', 'SHARDCHANNELS')) as string[];
      } finally {
        r.disconnect();
      }
    }),
  );
  return lists.flat();
}

const emit = (s: RawSocket, ev: string, payload: unknown): void =>
  (s.emit.bind(s) as (e: string, ...a: unknown[]) => void)(ev, payload, () => undefined);

describe('joins, leaves and disconnects racing on many sockets', () => {
  it('end in the state the last of them implies, on every instance and in Redis', async () => {
    const n = 60;
    const users = await bulkUsers(cluster.nodes[0]!.url, n + 1, 'ltrace01');
    const sockets = await Promise.all(
      users.map(({ token }, i) => connected(rawSocket(cluster.nodes[i % 2]!.url, { token }))),
    );
    const observer = sockets.pop()!;
    try {
      /** What each socket does, by index; the room it ends in (if any) is checked below. */
      const stays: string[] = [];
      await Promise.all(
        sockets.map(async (s, i) => {
          const user = users[i]!.name;
          switch (i % 5) {
            case 0: // join, then gone before the join finished
              emit(s, 'room:join', { room: 'race-gone' });
              s.disconnect();
              break;
            case 1: // join, leave, gone
              emit(s, 'room:join', { room: 'race-gone' });
              emit(s, 'room:leave', { room: 'race-gone' });
              s.disconnect();
              break;
            case 2: // joined for real, then leave and gone at once
              await ok(ask(s, 'room:join', { room: 'race-gone' }));
              emit(s, 'room:leave', { room: 'race-gone' });
              s.disconnect();
              break;
            case 3: {
              // join, leave, join: stays a member
              emit(s, 'room:join', { room: 'race-stay' });
              emit(s, 'room:leave', { room: 'race-stay' });
              await ask(s, 'room:join', { room: 'race-stay' });
              stays.push(user);
              break;
            }
            case 4: // join, leave, join, leave: stays connected, not a member
              emit(s, 'room:join', { room: 'race-stay' });
              emit(s, 'room:leave', { room: 'race-stay' });
              emit(s, 'room:join', { room: 'race-stay' });
              await ask(s, 'room:leave', { room: 'race-stay' });
              break;
          }
        }),
      );
      const expected = stays.sort();
      // Presence entries and the status written once a second have no event to await; a
      // leftover that never goes away (the defect this file guards) fails these reads.
      await eventually(async () => {
        const gone = await ok(
          ask<{ members: string[]; count: number }>(observer, 'room:members', {
            room: 'race-gone',
          }),
        );
        expect(gone.members).toEqual([]);
        expect(gone.count).toBe(0);
        const stay = await ok(
          ask<{ members: string[]; count: number }>(observer, 'room:members', {
            room: 'race-stay',
          }),
        );
        expect(stay.members).toEqual(expected);
      }, PRESENCE_SETTLED);
      const redis = cluster.redis.client();
      try {
        await eventually(async () => {
          // No instance keeps the deserted room: not in its status, not subscribed.
          const status = await clusterStatus(redis, keys, 'test');
          const roomsByInstance = await Promise.all(
            status.instances.map((s) => redis.smembers(keys.instanceRooms(s.id))),
          );
          for (const rooms of roomsByInstance) expect(rooms).not.toContain('race-gone');
          const channels = await shardChannels(cluster.redis);
          expect(channels.filter((c) => c.includes('race-gone'))).toEqual([]);
          expect(channels.filter((c) => c.includes('race-stay')).length).toBeGreaterThan(0);
        }, STATUS_SETTLED);
        // Its presence entries are gone from Redis too, not only hidden.
        expect(await redis.zcard(keys.roomPresence('race-gone'))).toBe(0);
        expect(await redis.zcard(keys.roomPresence('race-stay'))).toBe(expected.length);
      } finally {
        redis.disconnect();
      }
    } finally {
      for (const s of sockets) s.close();
      observer.close();
    }
  });
});
