import { describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { login } from '../../src/client/api.js';
import { ChatClient } from '../../src/client/chat-client.js';
import { MEMBER_LIST_MAX } from '../../src/protocol/index.js';
import { bulkUsers, until, userName, useCluster } from '../helpers/cluster.js';
import { ask, ok, type RawSocket } from '../helpers/raw.js';

const cluster = useCluster(2);
const { clients } = cluster;

describe('presence in a big room', () => {
  it('announces at most MEMBER_LIST_MAX names, with the true count', async () => {
    const n = MEMBER_LIST_MAX + 30;
    const tokens = (await bulkUsers(cluster.nodes[0]!.url, n, 'ltpres01')).map((u) => u.token);
    for (const [i, token] of tokens.entries()) {
      const c = new ChatClient({ servers: [cluster.nodes[i % 2]!.url], token, pingEveryMs: 0 });
      await c.connect();
      await c.join('crowd');
      clients.push(c);
    }
    const first = clients[0]!.rooms.get('crowd')!;
    // A room of 130 is told at most every 6.5 s (50 ms a member).
    await until(clients[0]!, () => first.memberCount === n, 20_000, `count ${n}`);
    expect(first.members.length).toBe(MEMBER_LIST_MAX);
    expect(new Set(first.members).size).toBe(MEMBER_LIST_MAX);
    // The last joiner got the count in its join answer too.
    expect(clients[n - 1]!.rooms.get('crowd')!.memberCount).toBe(n);
  });
});

describe('presence of a user on two instances', () => {
  it('lists and counts the user once, in join answers and in announced lists', async () => {
    const [one, two] = await bulkUsers(cluster.nodes[0]!.url, 2, 'ltpres03');
    const join = async (token: string, node: number): Promise<ChatClient> => {
      const c = new ChatClient({ servers: [cluster.nodes[node]!.url], token, pingEveryMs: 0 });
      clients.push(c);
      await c.connect();
      await c.join('twice');
      return c;
    };
    await join(one!.token, 0);
    await join(one!.token, 1);
    const other = await join(two!.token, 1);
    const expected = [one!.name, two!.name].sort();
    // The last join's answer already has both instances' entries of the first user.
    const room = other.rooms.get('twice')!;
    expect(room.members).toEqual(expected);
    expect(room.memberCount).toBe(2);
    const first = clients.at(-3)!;
    await until(first, () => first.rooms.get('twice')!.memberCount === 2, 15_000, 'count 2');
    expect(first.rooms.get('twice')!.members).toEqual(expected);
  });
});

describe('presence under a burst of joins', () => {
  it('every member, on both instances, ends with the whole list, told in fewer lists than there were joins', async () => {
    const n = 40;
    const [watcherToken, ...tokens] = (
      await bulkUsers(cluster.nodes[0]!.url, n + 1, 'ltpres02')
    ).map((u) => u.token);
    // A bare socket counts every list it is sent.
    const watcher: RawSocket = io(cluster.nodes[0]!.url, {
      transports: ['websocket'],
      auth: { token: watcherToken },
      forceNew: true,
    });
    const lists: number[] = [];
    let settled: (() => void) | undefined;
    watcher.on('presence:updated', (p) => {
      lists.push(p.count);
      if (p.count === n + 1) settled?.();
    });
    try {
      await new Promise<void>((r) => watcher.once('connect', () => r()));
      await ok(ask(watcher, 'room:join', { room: 'burst' }));
      const members = await Promise.all(
        tokens.map(async (token, i) => {
          const c = new ChatClient({ servers: [cluster.nodes[i % 2]!.url], token, pingEveryMs: 0 });
          clients.push(c);
          await c.connect();
          await c.join('burst');
          return c;
        }),
      );
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no list of ${n + 1} in 15 s; counts told: ${lists.join(',')}`)),
          15_000,
        );
        settled = () => {
          clearTimeout(timer);
          resolve();
        };
        if (lists.at(-1) === n + 1) settled();
      });
      // Each instance tells its own members once per wait, not once per joiner.
      expect(lists.length).toBeLessThan(n);
      for (const c of members) {
        const room = c.rooms.get('burst')!;
        await until(c, () => room.memberCount === n + 1, 15_000, `count ${n + 1}`);
        expect(room.members).toHaveLength(n + 1);
      }
    } finally {
      watcher.close();
    }
  });
});

describe('presence after its keys vanished', () => {
  it('every instance puts its members back within seconds (a FLUSHALL-like loss of the room keys)', async () => {
    const urls = cluster.nodes.map((n) => n.url);
    const [a, b] = await Promise.all(
      ['heal-a', 'heal-b'].map(async (prefix, i) => {
        const { token } = await login(urls[i]!, userName(prefix), 'password-1');
        const c = new ChatClient({ servers: [urls[i]!], token, pingEveryMs: 0 });
        clients.push(c);
        await c.connect();
        await c.join('heal');
        return c;
      }),
    );
    const room = a!.rooms.get('heal')!;
    await until(a!, () => room.memberCount === 2, 10_000, 'both members');
    const r = cluster.redis.client();
    await r.del('chat:room:{heal}:presence', 'chat:room:{heal}:presence:boots');
    r.disconnect();
    // A third member makes the room announce; the two others come back with it.
    const { token } = await login(urls[0]!, userName('heal-c'), 'password-1');
    const c = new ChatClient({ servers: [urls[0]!], token, pingEveryMs: 0 });
    clients.push(c);
    await c.connect();
    await c.join('heal');
    const names = [a!, b!, c].map((x) => x.welcome!.user).sort();
    const seen = c.rooms.get('heal')!;
    await until(c, () => seen.members.join() === names.join(), 5000, 'all three members');
    expect(seen.memberCount).toBe(3);
  });
});

describe('typing across instances', () => {
  it('reaches the room on every instance, but not the typist’s own sockets or anyone outside', async () => {
    const [typist, listener, outsider] = (
      await bulkUsers(cluster.nodes[0]!.url, 3, 'lttype01')
    ).map((u) => u.token);
    const [n0, n1] = cluster.nodes.map((n) => n.url) as [string, string];
    const open = async (url: string, token: string): Promise<RawSocket> => {
      const s: RawSocket = io(url, {
        transports: ['websocket'],
        auth: { token },
        forceNew: true,
        reconnection: false,
      });
      await new Promise<void>((r) => s.once('connect', () => r()));
      return s;
    };
    const socks = await Promise.all([
      open(n0, typist!),
      open(n1, typist!),
      open(n1, listener!),
      open(n0, outsider!),
    ]);
    const [mine, mineElsewhere, other, out] = socks;
    try {
      for (const s of [mine, mineElsewhere, other])
        await ok(ask(s, 'room:join', { room: 'typing' }));
      const told = (s: RawSocket): unknown[] => {
        const got: unknown[] = [];
        s.on('typing:updated', (p) => got.push(p));
        return got;
      };
      const [toMe, toMeElsewhere, toOther, toOut] = [mine, mineElsewhere, other, out].map(told);
      const heard = new Promise((r) => other.once('typing:updated', r));
      await ok(ask(mine, 'typing:set', { room: 'typing', typing: true }));
      const notice = (await heard) as { room: string; user: string; typing: boolean };
      expect(notice).toMatchObject({ room: 'typing', typing: true });
      // A message after it on the room's one channel: whoever would have been told, was by then.
      const arrived = Promise.all(
        [mine, mineElsewhere].map((s) => new Promise((r) => s.once('message:created', r))),
      );
      await ok(
        ask(other, 'message:send', { room: 'typing', text: 'after', clientMsgId: 'typing-0001' }),
      );
      await arrived;
      expect(toMe).toEqual([]);
      expect(toMeElsewhere).toEqual([]);
      expect(toOther).toEqual([notice]);
      expect(toOut).toEqual([]);
    } finally {
      for (const s of socks) s.close();
    }
  });
});
