import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { login } from '../../src/client/api.js';
import {
  ADMIN_NAMESPACE,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type ChatMessage,
  type DirectsInfo,
  type RoomInfo,
  type ServerToClientEvents,
} from '../../src/protocol/index.js';
import { TEST_ENV, connectUser, until, useCluster, userName } from '../helpers/cluster.js';
import { ask, code, ok, socketPool, type RawSocket } from '../helpers/raw.js';

/**
 * Direct conversations on the wire, with bare socket.io-client sockets: what a third party
 * (or a modified client) can ask for, not only what our client does.
 */
// Two rooms and, apart, two conversations per connection, to see the limits apart.
const cluster = useCluster(3, { CHAT_MAX_ROOMS: '2' });

const pool = socketPool();
const open = pool.open;

/** Records every event a socket receives, to assert on what it was (never) sent. */
function recorder(s: RawSocket): { event: string; payload: unknown }[] {
  const seen: { event: string; payload: unknown }[] = [];
  s.onAny((event: string, payload: unknown) => seen.push({ event, payload }));
  return seen;
}

function next<E extends keyof ServerToClientEvents>(
  s: RawSocket,
  event: E,
  pred: (p: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve) => {
    const on = s.on.bind(s) as (ev: string, fn: (p: never) => void) => void;
    const off = s.off.bind(s) as (ev: string, fn: (p: never) => void) => void;
    const fn = (p: Parameters<ServerToClientEvents[E]>[0]): void => {
      if (!pred(p)) return;
      off(event, fn);
      resolve(p);
    };
    on(event, fn);
  });
}

type JoinAnswer = { room: string; messages: ChatMessage[]; members: string[]; lastSeq: number };

describe('direct conversations', () => {
  it('reach the other user on another instance, each side naming it by the other', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const alice = userName('alice');
    const bob = userName('bob');
    const aliceToken = (await login(a, alice, 'password-1')).token;
    const bobToken = (await login(b, bob, 'password-1')).token;
    const onA = await open(a, aliceToken);
    const onB = await open(b, bobToken);

    // Bob has not opened anything: he hears that alice wrote, under her name.
    const opened = next(onB, 'direct:opened');
    const joined = await ok(ask<JoinAnswer>(onA, 'room:join', { room: `@${bob}` }));
    expect(joined).toMatchObject({ room: `@${bob}`, messages: [], lastSeq: 0 });
    const sent = await ok(
      ask<{ id: string; seq: number }>(onA, 'message:send', {
        room: `@${bob}`,
        text: 'hi bob',
        clientMsgId: 'dm-test-0001',
      }),
    );
    expect(sent.seq).toBe(1);
    expect(await opened).toEqual({ room: `@${alice}`, from: alice, id: sent.id });

    // He opens it: the history is there, named as he names it.
    const page = await ok(ask<JoinAnswer>(onB, 'room:join', { room: `@${alice}` }));
    expect(page.room).toBe(`@${alice}`);
    expect(page.messages.map((m) => [m.room, m.from, m.text, m.seq])).toEqual([
      [`@${alice}`, alice, 'hi bob', 1],
    ]);
    expect([...page.members].sort()).toEqual([alice, bob].sort());

    // Live, both ways, with the room named per reader; typing too.
    const atAlice = next(onA, 'message:created');
    const atBob = next(onB, 'message:created');
    const typing = next(onA, 'typing:updated');
    await ok(ask(onB, 'typing:set', { room: `@${alice}`, typing: true }));
    expect(await typing).toEqual({ room: `@${bob}`, user: bob, typing: true });
    await ok(
      ask(onB, 'message:send', {
        room: `@${alice}`,
        text: 'hi alice',
        clientMsgId: 'dm-test-0002',
      }),
    );
    expect(await atAlice).toMatchObject({ room: `@${bob}`, from: bob, text: 'hi alice', seq: 2 });
    expect(await atBob).toMatchObject({ room: `@${alice}`, from: bob, text: 'hi alice', seq: 2 });

    // A joined socket is not told again that the conversation has news.
    const seenByBob = recorder(onB);
    const third = next(onB, 'message:created', (m) => m.text === 'third');
    await ok(
      ask(onA, 'message:send', { room: `@${bob}`, text: 'third', clientMsgId: 'dm-test-0003' }),
    );
    await third;
    expect(seenByBob.filter((e) => e.event === 'direct:opened')).toEqual([]);

    // Resuming from an id, as after a lost instance: the same messages, in order.
    const resumed = await ok(
      ask<{ messages: ChatMessage[] }>(onB, 'room:history', { room: `@${alice}`, since: sent.id }),
    );
    expect(resumed.messages.map((m) => [m.seq, m.text, m.room])).toEqual([
      [2, 'hi alice', `@${alice}`],
      [3, 'third', `@${alice}`],
    ]);
  });

  it('is private: a third user cannot join, read, list or hear it, even by its internal name', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const alice = userName('alice');
    const bob = userName('bob');
    const carol = userName('carol');
    const aliceToken = (await login(a, alice, 'password-1')).token;
    await login(b, bob, 'password-1');
    const carolToken = (await login(b, carol, 'password-1')).token;
    const onA = await open(a, aliceToken);
    const eve = await open(b, carolToken);
    const heard = recorder(eve);
    // Carol is in the room alice and bob are in too, so room traffic does reach her.
    await ok(ask(eve, 'room:join', { room: 'dm-lobby' }));
    await ok(ask(onA, 'room:join', { room: 'dm-lobby' }));

    await ok(ask(onA, 'room:join', { room: `@${bob}` }));
    await ok(
      ask(onA, 'message:send', { room: `@${bob}`, text: 'secret', clientMsgId: 'dm-priv-0001' }),
    );

    // Every way of naming it that is not one's own: refused, or carol's own (empty) one.
    const internal = [`@${alice}+${bob}`, `@${bob}+${alice}`, `${alice}+${bob}`, `@${bob}:x`];
    for (const room of internal) {
      for (const ev of ['room:join', 'room:history', 'room:members', 'room:leave']) {
        expect(code(await ask(eve, ev, { room })), `${ev} ${room}`).toBe('bad_request');
      }
      expect(
        code(await ask(eve, 'message:send', { room, text: 'x', clientMsgId: 'dm-priv-0002' })),
      ).toBe('bad_request');
    }
    // `@bob` and `@alice` are carol's own conversations with them: nothing of alice's in them.
    for (const peer of [alice, bob]) {
      const h = await ok(
        ask<{ messages: ChatMessage[] }>(eve, 'room:history', { room: `@${peer}` }),
      );
      expect(h.messages).toEqual([]);
      const m = await ok(ask<{ members: string[] }>(eve, 'room:members', { room: `@${peer}` }));
      expect(m.members).not.toContain(alice === peer ? bob : alice);
      expect(m.members.filter((n) => n !== carol)).toEqual([]);
    }
    expect(code(await ask(eve, 'room:join', { room: `@${carol}` }))).toBe('bad_request');
    expect(code(await ask(eve, 'room:join', { room: '@nobody-here' }))).toBe('not_found');
    expect(
      code(
        await ask(eve, 'message:send', {
          room: `@${bob}`,
          text: 'not joined',
          clientMsgId: 'dm-priv-0003',
        }),
      ),
    ).toBe('not_member');

    // Nor does it show in the room list.
    const list = await ok(ask<{ rooms: RoomInfo[] }>(eve, 'room:list', {}));
    expect(list.rooms.map((r) => r.name).filter((n) => n.includes('@'))).toEqual([]);

    // One more room message, then: carol heard the room, never the conversation.
    const seen = next(eve, 'message:created', (m) => m.text === 'to the room');
    await ok(
      ask(onA, 'message:send', {
        room: 'dm-lobby',
        text: 'to the room',
        clientMsgId: 'dm-priv-0004',
      }),
    );
    await seen;
    const leaked = JSON.stringify(heard);
    expect(leaked).not.toContain('secret');
    expect(leaked).not.toContain(`@${alice}`);
    expect(heard.map((e) => e.event)).not.toContain('direct:opened');
  });

  it('limits rooms and conversations per connection separately, in words', async () => {
    const [a] = cluster.nodes.map((n) => n.url) as [string];
    const names = [userName('lim'), userName('p1'), userName('p2'), userName('p3')];
    const tokens = await Promise.all(
      names.map(async (n) => (await login(a, n, 'password-1')).token),
    );
    const s = await open(a, tokens[0]!);
    for (const room of ['lim-a', 'lim-b']) await ok(ask(s, 'room:join', { room }));
    const third = await ask(s, 'room:join', { room: 'lim-c' });
    expect(!third.ok && third.error.message).toContain('already in 2 rooms');
    for (const peer of names.slice(1, 3)) await ok(ask(s, 'room:join', { room: `@${peer}` }));
    const more = await ask(s, 'room:join', { room: `@${names[3]}` });
    expect(!more.ok && more.error.message).toContain('2 conversations open');
    await ok(ask(s, 'room:leave', { room: `@${names[1]}` }));
    await ok(ask(s, 'room:join', { room: `@${names[3]}` }));
    // Leaving what one is not in is said plainly (no advice to join it first).
    const twice = await ask(s, 'room:leave', { room: `@${names[1]}` });
    expect(!twice.ok && twice.error).toEqual({
      code: 'not_member',
      message: `you have no conversation with ${names[1]} open`,
    });
    const notIn = await ask(s, 'room:leave', { room: 'lim-c' });
    expect(!notIn.ok && notIn.error.message).toBe('you are not in room lim-c');
  });

  it('the operator sees how many conversations there are, and who is in them only when asking', async () => {
    const [a] = cluster.nodes.map((n) => n.url) as [string];
    const console: Socket<AdminServerToClientEvents, AdminClientToServerEvents> = io(
      `${a}${ADMIN_NAMESPACE}`,
      {
        transports: ['websocket'],
        auth: { adminToken: TEST_ENV.CHAT_ADMIN_TOKEN },
        forceNew: true,
        reconnection: false,
      },
    );
    try {
      const call = (payload: { directs?: boolean }) =>
        new Promise<{ rooms: RoomInfo[]; directs: DirectsInfo }>((resolve, reject) =>
          console.emit('admin:rooms', payload, (r) =>
            r.ok ? resolve(r.data) : reject(new Error(r.error.message)),
          ),
        );
      const plain = await call({});
      // The two tests above each wrote in one conversation.
      expect(plain.directs).toEqual({ count: 2, active24h: 2 });
      expect(JSON.stringify(plain)).not.toContain('secret');
      expect(plain.rooms.map((r) => r.name).filter((n) => n.includes('@'))).toEqual([]);
      const named = await call({ directs: true });
      expect(named.directs.list).toHaveLength(2);
      expect(named.directs.list!.map((d) => d.messages).sort()).toEqual([1, 3]);
      expect(JSON.stringify(named)).not.toContain('secret');
    } finally {
      console.close();
      pool.closeAll();
    }
  });

  it('a client opens a conversation by itself when written to, and loses nothing when its instance dies', async () => {
    const [a, b, c] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const { client: alice, user: aliceName } = await connectUser([a]);
    cluster.clients.push(alice);
    const { client: bob, user: bobName } = await connectUser([b, c], { openDirects: true });
    cluster.clients.push(bob);
    const opened: string[] = [];
    bob.on('opened', (room) => opened.push(room));
    await alice.join(`@${bobName}`);
    await alice.send(`@${bobName}`, 'm1');
    await until(bob, () => opened.length === 1, 10_000, 'the conversation to open');
    expect(opened).toEqual([`@${aliceName}`]);
    const room = bob.rooms.get(`@${aliceName}`)!;
    expect(room.messages.map((m) => m.text)).toEqual(['m1']);
    // It came with the join, as history, and is unread all the same.
    expect(room.unread).toBe(1);

    // Bob's instance dies while alice keeps writing.
    const sends: Promise<unknown>[] = [];
    for (let i = 2; i <= 40; i++) {
      sends.push(alice.send(`@${bobName}`, `m${i}`));
      if (i === 10) await cluster.nodes[1]!.kill('SIGKILL');
    }
    await Promise.all(sends);
    await until(bob, () => room.messages.at(-1)?.text === 'm40', 20_000, 'all 40 messages');
    expect(room.messages.map((m) => m.text)).toEqual(
      Array.from({ length: 40 }, (_, i) => `m${i + 1}`),
    );
    expect(room.messages.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(room.messages.map((m) => m.room))).toEqual(new Set([`@${aliceName}`]));
    expect(opened).toHaveLength(1);
    expect(bob.welcome?.instanceId).toBe('chat-3');
  });
});
