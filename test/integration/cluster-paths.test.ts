import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { login, logout, me } from '../../src/client/api.js';
import {
  ADMIN_NAMESPACE,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type Result,
} from '../../src/protocol/index.js';
import { makeKeys } from '../../src/server/redis/keys.js';
import { TEST_ENV, connectUser, until, useCluster, userName } from '../helpers/cluster.js';
import { readMetric } from '../helpers/metrics.js';
import { connected, rawSocket } from '../helpers/raw.js';
import type { TestRedisCluster } from '../helpers/redis-cluster.js';

/**
 * Every code path that touches Redis, run against a real 3-master Redis Cluster: one command
 * or script that crosses slots fails here (ioredis refuses it, or Redis answers CROSSSLOT),
 * and no instance may log such an error while serving all of it.
 */
const cluster = useCluster(2, {}, 'cluster');
const keys = makeKeys('chat:');

type AdminSocket = Socket<AdminServerToClientEvents, AdminClientToServerEvents>;

async function admin(url: string): Promise<AdminSocket> {
  const s: AdminSocket = io(`${url}${ADMIN_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { adminToken: TEST_ENV.CHAT_ADMIN_TOKEN },
    forceNew: true,
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('connect_error', reject);
  });
  return s;
}

function call<T>(fn: (ack: (r: Result<T>) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((r) => (r.ok ? resolve(r.data) : reject(new Error(`${r.error.code}: ${r.error.message}`)))),
  );
}

describe('every Redis code path on a Redis Cluster', () => {
  it('serves accounts, sessions, rooms, messages, presence, typing and admin with no cross-slot command', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const store = cluster.redis as TestRedisCluster;

    // The room's keys share a slot; the room index and a user's keys are elsewhere.
    const masters = new Set(
      await Promise.all(['lobby', 'kitchen', 'garden'].map((r) => store.masterOf(keys.roomLog(r)))),
    );
    expect(masters.size).toBeGreaterThan(1);
    expect(await store.masterOf(keys.roomMeta('lobby'))).toBe(
      await store.masterOf(keys.roomLog('lobby')),
    );
    expect(await store.masterOf(keys.roomEdits('lobby'))).toBe(
      await store.masterOf(keys.roomLog('lobby')),
    );

    // Accounts and sessions.
    const name = userName('slot');
    const first = await login(a, name, 'password-1');
    expect(first.created).toBe(true);
    await expect(login(b, name, 'wrong-password')).rejects.toThrow();
    const second = await login(b, name, 'password-1');
    expect((await me(a, second.token)).user.name).toBe(name);
    await logout(b, second.token);
    await expect(me(a, second.token)).rejects.toThrow();

    // Rooms and messages through the real client, on both instances.
    const alice = await connectUser([a]);
    const bob = await connectUser([b]);
    cluster.clients.push(alice.client, bob.client);
    for (const r of ['lobby', 'kitchen', 'garden']) {
      await alice.client.join(r);
      await bob.client.join(r);
    }
    for (let i = 0; i < 10; i++)
      await alice.client.send(['lobby', 'kitchen', 'garden'][i % 3]!, `m${i}`);
    await until(
      bob.client,
      () =>
        bob.client.rooms.get('garden')!.messages.length === 3 &&
        bob.client.rooms.get('lobby')!.messages.length === 4,
      10_000,
      'fan-out to the other instance',
    );
    expect(bob.client.rooms.get('lobby')!.messages.map((m) => m.text)).toEqual([
      'm0',
      'm3',
      'm6',
      'm9',
    ]);

    // The wire protocol directly: repeat send, history both ways, members, list, typing, leave.
    const raw = await connected(rawSocket(b, { token: alice.token }));
    try {
      await call((ack) => raw.emit('room:join', { room: 'lobby' }, ack));
      const once = await call<{ id: string; duplicate: boolean }>((ack) =>
        raw.emit(
          'message:send',
          { room: 'lobby', text: 'twice', clientMsgId: 'slot-test-0001' },
          ack,
        ),
      );
      const again = await call<{ id: string; duplicate: boolean }>((ack) =>
        raw.emit(
          'message:send',
          { room: 'lobby', text: 'twice', clientMsgId: 'slot-test-0001' },
          ack,
        ),
      );
      expect(again).toMatchObject({ id: once.id, duplicate: true });
      const page = await call<{ messages: { id: string }[]; epoch?: string }>((ack) =>
        raw.emit('room:history', { room: 'lobby', before: once.id, limit: 2 }, ack),
      );
      expect(page.messages).toHaveLength(2);
      const after = await call<{ messages: { id: string }[]; unrecoverable: boolean }>((ack) =>
        raw.emit(
          'room:history',
          { room: 'lobby', since: page.messages[0]!.id, epoch: page.epoch },
          ack,
        ),
      );
      expect(after.unrecoverable).toBe(false);
      expect(after.messages.at(-1)!.id).toBe(once.id);
      // Edit, delete and search: the change script's keys are all in the room's slot.
      await call((ack) =>
        raw.emit(
          'message:edit',
          { room: 'lobby', id: once.id, text: 'twice, edited', clientMsgId: 'slot-test-0002' },
          ack,
        ),
      );
      await call((ack) =>
        raw.emit(
          'message:delete',
          { room: 'lobby', id: once.id, clientMsgId: 'slot-test-0003' },
          ack,
        ),
      );
      const found = await call<{ hits: { text: string }[] }>((ack) =>
        raw.emit('room:search', { room: 'lobby', text: 'M3' }, ack),
      );
      expect(found.hits.map((m) => m.text)).toEqual(['m3']);
      const members = await call<{ members: string[] }>((ack) =>
        raw.emit('room:members', { room: 'lobby' }, ack),
      );
      expect(members.members).toEqual([alice.user, bob.user].sort());
      const list = await call<{ rooms: { name: string }[] }>((ack) =>
        raw.emit('room:list', {}, ack),
      );
      expect(list.rooms.map((r) => r.name)).toEqual(
        expect.arrayContaining(['lobby', 'kitchen', 'garden']),
      );
      await call((ack) => raw.emit('typing:set', { room: 'lobby', typing: true }, ack));
      await call((ack) => raw.emit('typing:set', { room: 'lobby', typing: false }, ack));
      await call((ack) => raw.emit('room:leave', { room: 'lobby' }, ack));
    } finally {
      raw.close();
    }

    // The operator's console: status (every master), rooms, broadcasts, bulk users, kick.
    const console = await admin(a);
    try {
      const status = await call<{ instances: unknown[]; redis: { ok: boolean; masters?: number } }>(
        (ack) => console.emit('admin:status', {}, ack),
      );
      expect(status.instances).toHaveLength(2);
      expect(status.redis).toMatchObject({ ok: true, masters: 3 });
      const rooms = await call<{ rooms: { name: string }[] }>((ack) =>
        console.emit('admin:rooms', {}, ack),
      );
      expect(rooms.rooms.length).toBeGreaterThanOrEqual(3);
      const all = await call<{ clients: number; instances: number }>((ack) =>
        console.emit('admin:broadcast', { text: 'hello everyone' }, ack),
      );
      expect(all).toMatchObject({ clients: 2, instances: 2 });
      const one = await call<{ clients: number; messageId?: string }>((ack) =>
        console.emit('admin:broadcast', { text: 'hello garden', room: 'garden' }, ack),
      );
      expect(one.clients).toBe(2);
      const made = await call<{ users: { name: string }[] }>((ack) =>
        console.emit(
          'admin:users:create',
          { prefix: 'ltslot01', from: 0, count: 20, ttlSec: 60 },
          ack,
        ),
      );
      expect(made.users).toHaveLength(20);
      await call((ack) =>
        console.emit(
          'admin:loadtest:cleanup',
          { users: made.users.map((u) => u.name), rooms: ['ltslot01-r0'] },
          ack,
        ),
      );
      // Nothing of the run's users is left behind, their ended sessions neither.
      expect((await cluster.redis.allKeys()).filter((k) => k.includes('ltslot01'))).toEqual([]);
      const kicked = await call<{ sockets: number }>((ack) =>
        console.emit('admin:kick', { user: bob.user }, ack),
      );
      expect(kicked.sockets).toBe(1);
    } finally {
      console.close();
    }

    const errors = cluster.nodes.flatMap((n) =>
      n.log.lines.filter(
        (l) =>
          Number(l.level) >= 50 ||
          /CROSSSLOT|same slot|hash to the same|heartbeat failed/i.test(JSON.stringify(l)),
      ),
    );
    expect(errors).toEqual([]);
  });

  it('an instance receives no fan-out for rooms it has no members in (/metrics)', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const sender = await connectUser([a]);
    const watcher = await connectUser([b]);
    cluster.clients.push(sender.client, watcher.client);
    await sender.client.join('busy');
    await sender.client.join('quiet');
    await watcher.client.join('quiet');

    const receivedBefore = await readMetric(b, 'chat_fanout_received_total');
    const senderBefore = await readMetric(a, 'chat_fanout_received_total');
    for (let i = 0; i < 30; i++) await sender.client.send('busy', `b${i}`);
    await sender.client.send('quiet', 'q');
    await until(
      watcher.client,
      () => watcher.client.rooms.get('quiet')!.messages.length === 1,
      10_000,
      'the quiet room message',
    );
    // B has members in 'quiet' only: of the 31 messages it received exactly the one for it.
    expect((await readMetric(b, 'chat_fanout_received_total')) - receivedBefore).toBe(1);
    expect((await readMetric(a, 'chat_fanout_received_total')) - senderBefore).toBe(31);
    const subsB = await readMetric(b, 'chat_room_subscriptions');
    await watcher.client.leave('quiet');
    // The last local member left: B unsubscribes from the room's channel.
    expect(await readMetric(b, 'chat_room_subscriptions')).toBe(subsB - 1);
    const afterLeave = await readMetric(b, 'chat_fanout_received_total');
    await sender.client.send('quiet', 'q2');
    await sender.client.send('busy', 'b-last');
    await until(
      sender.client,
      () => sender.client.rooms.get('busy')!.messages.at(-1)?.text === 'b-last',
      10_000,
      'own message back',
    );
    expect(await readMetric(b, 'chat_fanout_received_total')).toBe(afterLeave);
  });
});
