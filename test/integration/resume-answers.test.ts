import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { login } from '../../src/client/api.js';
import { AccountOps } from '../../src/server/auth/account-ops.js';
import { makeKeys } from '../../src/server/redis/keys.js';
import { connectUser, until, useCluster, type TestInstance } from '../helpers/cluster.js';

const PREFIX = 'refused:';
const cluster = useCluster(3, { CHAT_KEY_PREFIX: PREFIX });

describe('what a resume is answered', () => {
  it('joins every other room again, and says which one it could not', async () => {
    const [home, other] = cluster.nodes as [TestInstance, TestInstance];
    const { client: me } = await connectUser([home.url, other.url]);
    const { client: bob } = await connectUser([other.url]);
    const { client: peerClient, user: peer } = await connectUser([other.url]);
    cluster.clients.push(me, bob, peerClient);
    const statuses: string[] = [];
    me.on('status', (s) => statuses.push(s));
    // A room before the conversation and one after it: a resume goes through them in order.
    await me.join('before-it');
    await me.join(`@${peer}`);
    await me.join('after-it');
    await bob.join('before-it');
    await bob.join('after-it');
    peerClient.close();

    // The peer's account is deleted: a join of the conversation is refused from now on.
    const cmd = cluster.redis.client();
    try {
      await new AccountOps(cmd, makeKeys(PREFIX)).delete(peer);
    } finally {
      cmd.disconnect();
    }
    await home.kill('SIGKILL');
    await until(me, () => me.welcome?.instanceId === other.id, 20_000, 'reconnected');
    await until(
      me,
      () =>
        statuses.some((s) =>
          s.startsWith(`could not resume @${peer}: there is no user named ${peer}`),
        ),
      20_000,
      'the refusal said',
    );

    // Both rooms are joined on the new connection: bob's messages reach them live.
    for (const room of ['before-it', 'after-it']) {
      const sent = await bob.send(room, `live in ${room}`);
      await until(bob, () => sent.state === 'sent', 20_000, 'the send acked');
      await until(
        me,
        () => me.rooms.get(room)!.messages.some((m) => m.text === `live in ${room}`),
        20_000,
        `${room} live again`,
      );
    }
    // Told once, not asked again in a loop (not_found is not an error that passes).
    expect(statuses.filter((s) => s.startsWith(`could not resume @${peer}`))).toHaveLength(1);
  });

  it('a position the server no longer has, in the same epoch (a failover lost the newest message), starts the room over: the next message that takes its number is shown', async () => {
    const [, home, other] = cluster.nodes as [TestInstance, TestInstance, TestInstance];
    const { client: me } = await connectUser([home.url, other.url]);
    const { client: bob } = await connectUser([other.url]);
    cluster.clients.push(me, bob);
    const room = 'rolled-back';
    await me.join(room);
    await bob.join(room);
    for (const text of ['one', 'two', 'lost in the failover']) {
      const sent = await bob.send(room, text);
      await until(bob, () => sent.state === 'sent', 20_000, 'the send acked');
    }
    await until(me, () => me.rooms.get(room)!.messages.length === 3, 20_000, 'three messages');
    const epoch = me.rooms.get(room)!.epoch;

    // What a failover before replication does: the newest entry and its number are gone.
    const keys = makeKeys(PREFIX);
    const cmd = cluster.redis.client();
    try {
      const [[id]] = (await cmd.xrevrange(keys.roomLog(room), '+', '-', 'COUNT', 1)) as [
        [string, string[]],
      ];
      await cmd.xdel(keys.roomLog(room), id);
      await cmd.hincrby(keys.roomMeta(room), 'seq', -1);
    } finally {
      cmd.disconnect();
    }
    await home.kill('SIGKILL');
    await until(me, () => me.welcome?.instanceId === other.id, 20_000, 'reconnected');
    await me.settled();

    const sent = await bob.send(room, 'the third, again');
    await until(bob, () => sent.state === 'sent', 20_000, 'the send acked');
    await until(
      me,
      () => me.rooms.get(room)!.messages.some((m) => m.text === 'the third, again'),
      20_000,
      'the new third message shown',
    );
    expect(me.rooms.get(room)!.epoch).toBe(epoch);
    expect(me.rooms.get(room)!.messages.map((m) => m.text)).toEqual([
      'one',
      'two',
      'the third, again',
    ]);
  });

  it('a conversation the next holder of a deleted name opens afresh is started over on the other side at once, with nothing of the old one', async () => {
    const [, , node] = cluster.nodes as [TestInstance, TestInstance, TestInstance];
    const { client: me, user: self } = await connectUser([node.url]);
    const first = await connectUser([node.url]);
    cluster.clients.push(me, first.client);
    const peer = first.user;
    await me.join(`@${peer}`);
    await first.client.join(`@${self}`);
    const sent = await first.client.send(`@${self}`, 'from the first holder');
    await until(first.client, () => sent.state === 'sent', 20_000, 'the send acked');
    const mine = () => me.rooms.get(`@${peer}`)!;
    await until(me, () => mine().messages.length === 1, 20_000, 'the message');

    const cmd = cluster.redis.client();
    try {
      await new AccountOps(cmd, makeKeys(PREFIX)).delete(peer);
    } finally {
      cmd.disconnect();
    }
    const next = await connectUser([node.url], { user: peer });
    cluster.clients.push(next.client);
    await next.client.join(`@${self}`);
    // Nobody writes: the join's notice alone starts the conversation over here.
    await until(me, () => mine().messages.length === 0, 20_000, 'the old conversation gone');
    const hello = await next.client.send(`@${self}`, 'from the next holder');
    await until(next.client, () => hello.state === 'sent', 20_000, 'the send acked');
    await until(me, () => mine().messages.length === 1, 20_000, 'the new message');
    expect(mine().messages.map((m) => m.text)).toEqual(['from the next holder']);
  });

  it('a join after the newest message, answered with nothing newer, resumes from there (not from the start)', async () => {
    const [, , node] = cluster.nodes as [TestInstance, TestInstance, TestInstance];
    const { client: writer } = await connectUser([node.url]);
    cluster.clients.push(writer);
    await writer.join('since-room');
    for (const text of ['a', 'b', 'c']) {
      const sent = await writer.send('since-room', text);
      await until(writer, () => sent.state === 'sent', 20_000, 'the send acked');
    }
    await until(writer, () => writer.rooms.get('since-room')!.messages.length === 3);
    const newest = writer.rooms.get('since-room')!.messages[2]!.id;
    const { client: reader } = await connectUser([node.url]);
    cluster.clients.push(reader);
    const room = await reader.join('since-room', newest);
    expect(room.messages).toEqual([]);
    expect(room.resumeFrom()).toBe(newest);
  });

  it('a conversation its deletion did not find reads, for the next holder of the name, as one not yet opened: no history, no search hits, nothing unread', async () => {
    const [, , node] = cluster.nodes as [TestInstance, TestInstance, TestInstance];
    const first = await connectUser([node.url]);
    const { client: other, user: otherName } = await connectUser([node.url]);
    cluster.clients.push(first.client, other);
    await first.client.join(`@${otherName}`);
    await other.join(`@${first.user}`);
    const sent = await other.send(`@${first.user}`, 'a secret for the first holder');
    await until(other, () => sent.state === 'sent', 20_000, 'the send acked');
    first.client.close();

    // The deletion misses the conversation (as when no index names it).
    const cmd = cluster.redis.client();
    try {
      await new AccountOps(cmd, makeKeys(PREFIX)).remove(first.user, { conversations: false });
    } finally {
      cmd.disconnect();
    }
    const { token } = await login(node.url, first.user, 'password-1');
    const socket = io(node.url, { auth: { token }, transports: ['websocket'], forceNew: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      const page = (await socket.timeout(10_000).emitWithAck('room:history', {
        room: `@${otherName}`,
      })) as { ok: boolean; data?: { messages: unknown[]; epoch?: string } };
      expect(page).toMatchObject({ ok: true, data: { messages: [] } });
      expect(page.data?.epoch).toBeUndefined();
      const found = (await socket.timeout(10_000).emitWithAck('room:search', {
        room: `@${otherName}`,
        text: 'secret',
      })) as { ok: boolean; data?: { hits: unknown[] } };
      expect(found).toMatchObject({ ok: true, data: { hits: [] } });
      // The other side writes again, which puts the conversation on the name's list of
      // conversations (as its next message does, once a second at most): still nothing of it
      // is the next holder's to be told of.
      const again = await other.send(`@${first.user}`, 'are you still there?');
      await until(other, () => again.state === 'sent', 20_000, 'the send acked');
      const lists = cluster.redis.client();
      try {
        await lists.zadd(makeKeys(PREFIX).userDirects(first.user), Date.now(), otherName);
      } finally {
        lists.disconnect();
      }
      const marks = (await socket.timeout(10_000).emitWithAck('marks:fetch', {})) as {
        ok: boolean;
        data?: { unread: unknown[]; mentions: { text: string }[] };
      };
      expect(marks).toMatchObject({ ok: true, data: { unread: [], mentions: [] } });
    } finally {
      socket.close();
    }
  });
});
