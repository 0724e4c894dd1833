import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, ServerToClientEvents } from '../../src/protocol/index.js';
import { roomOf, userRoomOf } from '../../src/server/rooms/room-names.js';
import type { ChatServer } from '../../src/server/transport/io-types.js';
import { RoomFanout } from '../../src/server/rooms/fanout.js';
import { History } from '../../src/server/rooms/history.js';
import { makeKeys, type Keys } from '../../src/server/redis/keys.js';
import { Metrics } from '../../src/server/ops/metrics.js';
import { Presence } from '../../src/server/rooms/presence.js';
import { PRESENCE_NOTICE } from '../../src/server/rooms/presence-announce.js';
import { RateCounter } from '../../src/server/ops/status.js';
import { eventually } from '../helpers/eventually.js';
import { rawSocket, connected, type RawSocket } from '../helpers/raw.js';
import { TestRedis } from '../helpers/redis.js';

/**
 * The fan-out of one instance on a real redis-server: a Socket.IO server on loopback with the
 * in-memory adapter (one instance: its local rooms are the ones the fan-out follows), real
 * clients, and messages stored and published by the real append script. It has no clock of
 * its own to fake: what it does follows its sockets' rooms and its subscriber's connection.
 */

let redis: TestRedis;
let cmd: Redis;
let sub: Redis;
let http: HttpServer;
let io: ChatServer;
let keys: Keys;
let fanout: RoomFanout;
let history: History;
const presenceHeard: string[] = [];
const SUB_NAME = 'fanout-sub';
const sockets: RawSocket[] = [];

/** A client in the given Socket.IO rooms of this instance (joined server-side, as handlers do). */
async function client(user: string, rooms: string[]): Promise<RawSocket> {
  const { port } = http.address() as AddressInfo;
  const joined = new Promise<void>((resolve) => {
    io.once('connection', (s) => {
      void s.join([userRoomOf(user), ...rooms.map(roomOf)]);
      resolve();
    });
  });
  const s = rawSocket(`http://127.0.0.1:${port}`, {});
  sockets.push(s);
  await connected(s);
  await joined;
  return s;
}

type Told = 'message:created' | 'typing:updated' | 'sync:required';
type Payload<K extends Told> = Parameters<ServerToClientEvents[K]>[0];

/** The next `event` the socket is sent. */
function next<K extends Told>(s: RawSocket, event: K): Promise<Payload<K>>;
function next(s: RawSocket, event: Told): Promise<unknown> {
  return new Promise((resolve) => {
    if (event === 'message:created') s.once(event, resolve);
    else if (event === 'typing:updated') s.once(event, resolve);
    else s.once(event, resolve);
  });
}

/** How many subscribers the room's channel has, as Redis counts them. */
async function subscribers(room: string): Promise<number> {
  const reply = (await cmd.call('PUBSUB', 'SHARDNUMSUB', keys.roomChannel(room))) as [
    string,
    number,
  ];
  return Number(reply[1]);
}

const append = (room: string, text: string): ReturnType<History['append']> =>
  history.append({
    room,
    from: 'alice',
    text,
    kind: 'text',
    clientMsgId: randomBytes(8).toString('hex'),
  });

beforeAll(async () => {
  redis = await TestRedis.start();
  cmd = redis.client();
  // Named, so that the test can cut this one connection off.
  sub = new Redis(redis.url, { connectionName: SUB_NAME, maxRetriesPerRequest: 1 });
  keys = makeKeys(`t${randomBytes(4).toString('hex')}:`);
  history = new History(cmd, keys, { maxLen: 100, waitReplicas: 0, waitTimeoutMs: 0 });
  http = createServer();
  io = new Server(http, { transports: ['websocket'] });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  fanout = new RoomFanout({
    sub,
    keys,
    io,
    log: pino({ level: 'silent' }),
    metrics: new Metrics({ instance: 'test' }),
    rates: new RateCounter(),
    onPresence: (room) => presenceHeard.push(room),
  });
  fanout.start();
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await fanout?.stop();
  await io?.close();
  cmd?.disconnect();
  sub?.disconnect();
  await redis?.down();
});

describe('the fan-out of one instance (real Redis)', () => {
  it('follows its local rooms: subscribed with the first member, delivering in order, unsubscribed after the last', async () => {
    expect(await subscribers('a')).toBe(0);
    const member = await client('bob', ['a']);
    const other = await client('carol', ['b']);
    await fanout.subscribed('a');
    expect(await subscribers('a')).toBe(1);
    // Nobody here is in `z`: its channel is not followed, so its messages never arrive; and
    // `a`'s go to `a`'s members only.
    expect(await subscribers('z')).toBe(0);
    const carolGot: string[] = [];
    other.on('message:created', (m) => carolGot.push(m.room));

    const got: ChatMessage[] = [];
    member.on('message:created', (m) => got.push(m));
    const sent = [];
    for (let i = 0; i < 20; i++) sent.push(await append('a', `m${i}`));
    await append('z', 'for nobody here');
    await eventually(() => expect(got).toHaveLength(20), { what: '20 deliveries' });
    expect(got.map((m) => m.id)).toEqual(sent.map((s) => s.id));
    expect(got.map((m) => m.seq)).toEqual(sent.map((_, i) => i + 1));
    // One connection carries every channel in order: once carol has her room's message, she
    // would have had anything sent her before it.
    const carols = next(other, 'message:created');
    await append('b', 'for carol');
    await carols;
    expect(carolGot).toEqual(['b']);

    // The last local member leaves: Socket.IO deletes the room and the fan-out lets go.
    io.of('/').in(roomOf('a')).socketsLeave(roomOf('a'));
    await eventually(async () => expect(await subscribers('a')).toBe(0), {
      what: 'unsubscribed from a',
      timeoutMs: 5000,
    });
  });

  it('passes presence notices on and tells typing to everyone in the room but the typist', async () => {
    const typist = await client('dave', ['c']);
    const watcher = await client('erin', ['c']);
    await fanout.subscribed('c');
    let typistTold = 0;
    typist.on('typing:updated', () => typistTold++);

    await cmd.spublish(keys.roomChannel('c'), PRESENCE_NOTICE);
    const typing = next(watcher, 'typing:updated');
    const presence = new Presence(cmd, keys, 'boot');
    await presence.setTyping('c', 'dave', true);
    expect(await typing).toEqual({ room: 'c', user: 'dave', typing: true });
    // The channel carries both in order: the presence notice was heard before the typing one.
    expect(presenceHeard).toEqual(['c']);
    // A message after both has come through; the typist was told nothing of its own typing.
    const after = Promise.all([next(watcher, 'message:created'), next(typist, 'message:created')]);
    await append('c', 'after');
    await after;
    expect(typistTold).toBe(0);
  });

  it('after its subscriber lost Redis, subscribes again, says so (sync:required) and delivers', async () => {
    const member = await client('frank', ['d']);
    await fanout.subscribed('d');
    expect(fanout.healthy()).toBe(true);

    const told = next(member, 'sync:required');
    const list = (await cmd.client('LIST')) as string;
    const line = list.split('\n').find((l) => l.includes(` name=${SUB_NAME} `));
    const subId = /^id=(\d+) /.exec(line ?? '')?.[1];
    expect(subId, 'the subscriber in CLIENT LIST').toBeDefined();
    await cmd.client('KILL', 'ID', subId!);
    expect(await told).toEqual({ reason: 'redis subscription restored' });
    expect(fanout.healthy()).toBe(true);
    expect(await subscribers('d')).toBe(1);

    const got = next(member, 'message:created');
    const { id } = await append('d', 'after the outage');
    expect((await got).id).toBe(id);
  }, 15_000);
});
