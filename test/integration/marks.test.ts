import { afterAll, describe, expect, it } from 'vitest';
import type {
  ChatMessage,
  JoinResult,
  MarkUpdate,
  MarksSummary,
  ServerToClientEvents,
} from '../../src/protocol/index.js';
import { useCluster, userName } from '../helpers/cluster.js';
import { ask, code, ok, socketPool, type RawSocket } from '../helpers/raw.js';

/**
 * Read markers on the wire, on one Redis and on a Redis Cluster (the marker, the kept rooms
 * and the conversations index live in the user's slot, each room's messages in its own):
 * what one socket reads clears on the user's other sockets, a client that starts learns in
 * one answer every room with news (exact counts, mentions, last sender), conversations opened
 * while away included, and bad input changes nothing.
 */
const cluster = useCluster(2);
const pool = socketPool();
afterAll(() => pool.closeAll());

/** Logs a fresh user in and opens a bare socket on instance `n` (0 or 1). */
const user = (prefix: string, n = 0) => pool.user(cluster.nodes[n]!.url, userName(prefix));

let cmid = 0;
async function send(s: RawSocket, room: string, text: string): Promise<{ id: string }> {
  return ok(
    ask<{ id: string }>(s, 'message:send', { room, text, clientMsgId: `marks-${++cmid}-xxxx` }),
  );
}

const join = (s: RawSocket, room: string, extra: object = {}): Promise<JoinResult> =>
  ok(ask<JoinResult>(s, 'room:join', { room, ...extra }));
const fetchMarks = (s: RawSocket): Promise<MarksSummary> =>
  ok(ask<MarksSummary>(s, 'marks:fetch', {}));

function next<E extends keyof ServerToClientEvents>(
  s: RawSocket,
  event: E,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve) =>
    (s.once.bind(s) as (ev: string, fn: (p: never) => void) => void)(event, resolve),
  );
}

describe('read markers', () => {
  it('set on one socket clears on another socket of the same user, on another instance', async () => {
    const room = userName('mk-room');
    const bob = await user('bob', 0);
    const bob2 = await pool.open(cluster.nodes[1]!.url, bob.token);
    const carol = await user('carol', 1);
    await join(bob.s, room, { remember: true });
    await join(bob2, room);
    await join(carol.s, room);
    await send(carol.s, room, `hi ${bob.name}`);
    const last = await send(carol.s, room, 'second');

    // Before: both of bob's sockets see two unread (one naming him).
    const before = await fetchMarks(bob2);
    expect(before.unread.find((u) => u.room === room)).toMatchObject({
      unread: 2,
      mentions: 1,
      lastFrom: carol.name,
      lastId: last.id,
    });

    const heard = next(bob2, 'marks:updated');
    const mark = await ok(ask<MarkUpdate>(bob.s, 'marks:set', { room, id: last.id }));
    expect(mark).toEqual({ room, id: last.id });
    expect(await heard).toEqual({ room, id: last.id });
    const after = await fetchMarks(bob2);
    expect(after.unread.find((u) => u.room === room)).toBeUndefined();
    expect(after.mentions.map((m) => m.room)).not.toContain(room);
    // A join tells the marker; a marker never moves back.
    expect((await join(bob2, room)).readTo).toBe(last.id);
    const first = (await ok(ask<{ messages: ChatMessage[] }>(bob.s, 'room:history', { room })))
      .messages[0]!;
    expect(await ok(ask<MarkUpdate>(bob.s, 'marks:set', { room, id: first.id }))).toEqual({
      room,
      id: last.id,
    });
  });

  it('a starting client learns every room with news in one answer: exact counts, mentions, last sender', async () => {
    const bob = await user('bob');
    const carol = await user('carol', 1);
    const [quiet, busy, read] = ['quiet', 'busy', 'read'].map((r) => userName(`mk-${r}`)) as [
      string,
      string,
      string,
    ];
    for (const r of [quiet, busy, read]) {
      const j = await join(bob.s, r, { remember: true });
      await join(carol.s, r);
      await send(carol.s, r, 'before bob left');
      const mine = await send(bob.s, r, 'bob was here');
      expect(j.readTo).toBeUndefined();
      await ok(ask(bob.s, 'marks:set', { room: r, id: mine.id }));
    }
    bob.s.close(); // bob goes away

    // 30 in busy, every 7th naming him (as a word, with @, in capitals), one of them his own
    // from a script; 2 in quiet; read gets one he reads on another client.
    let lastBusy = '';
    for (let i = 1; i <= 30; i++) {
      const text = i % 7 === 0 ? `@${bob.name.toUpperCase()} number ${i}` : `number ${i}`;
      lastBusy = (await send(carol.s, busy, text)).id;
    }
    await send(carol.s, quiet, 'psst');
    await send(carol.s, quiet, `${bob.name}: you there?`);
    const other = await pool.open(cluster.nodes[1]!.url, bob.token);
    await join(other, busy);
    await send(other, busy, 'from my phone'); // his own: not unread
    await join(other, read);
    const r = await send(carol.s, read, 'read elsewhere');
    await ok(ask(other, 'marks:set', { room: read, id: r.id }));
    other.close();

    const back = await pool.open(cluster.nodes[0]!.url, bob.token);
    const summary = await fetchMarks(back);
    expect(summary.rooms).toEqual([quiet, busy, read]);
    const byRoom = new Map(summary.unread.map((u) => [u.room, u]));
    expect(byRoom.get(busy)).toMatchObject({
      unread: 30,
      mentions: 4,
      partial: false,
      // The newest is his own: the last sender is the last other one.
      lastFrom: carol.name,
      lastId: lastBusy,
    });
    expect(byRoom.get(quiet)).toMatchObject({ unread: 2, mentions: 1, lastFrom: carol.name });
    expect(byRoom.has(read)).toBe(false);
    expect(summary.mentions.map((m) => [m.room, m.text])).toEqual([
      ...[7, 14, 21, 28].map((i) => [busy, `@${bob.name.toUpperCase()} number ${i}`]),
      [quiet, `${bob.name}: you there?`],
    ]);

    // Left: not kept, no marker.
    await join(back, quiet);
    await ok(ask(back, 'room:leave', { room: quiet }));
    const later = await fetchMarks(back);
    expect(later.rooms).toEqual([busy, read]);
    expect(later.unread.map((u) => u.room)).not.toContain(quiet);
  });

  it('a conversation opened while the user was away is in the answer, its messages unread', async () => {
    const alice = await user('alice');
    const bob = await user('bob', 1);
    bob.s.close();
    await join(alice.s, `@${bob.name}`);
    await send(alice.s, `@${bob.name}`, 'are you around?');
    await send(alice.s, `@${bob.name}`, `${bob.name}, the deploy`);
    const back = await pool.open(cluster.nodes[0]!.url, bob.token);
    const summary = await fetchMarks(back);
    expect(summary.rooms).toEqual([]);
    expect(summary.unread).toEqual([
      expect.objectContaining({
        room: `@${alice.name}`,
        unread: 2,
        // In a conversation every message from the peer counts on the tab.
        mentions: 2,
        lastFrom: alice.name,
      }),
    ]);
    expect(summary.unread[0]!.readTo).toBeUndefined();
    expect(summary.mentions.map((m) => [m.room, m.from, m.text])).toEqual([
      [`@${alice.name}`, alice.name, `${bob.name}, the deploy`],
    ]);

    // Read, then closed: it keeps its marker, and only what alice writes next is unread.
    const page = await join(back, `@${alice.name}`);
    await ok(ask(back, 'marks:set', { room: `@${alice.name}`, id: page.messages.at(-1)!.id }));
    await ok(ask(back, 'room:leave', { room: `@${alice.name}` }));
    expect((await fetchMarks(back)).unread).toEqual([]);
    await send(alice.s, `@${bob.name}`, 'one more');
    expect((await fetchMarks(back)).unread).toEqual([
      expect.objectContaining({ room: `@${alice.name}`, unread: 1, lastFrom: alice.name }),
    ]);
  });

  it('counts exactly however many are unread; past what one answer reads, it says the mentions are partial', async () => {
    const bob = await user('bob');
    const carol = await user('carol', 1);
    const room = userName('mk-many');
    await join(bob.s, room, { remember: true });
    await join(carol.s, room);
    const mine = await send(bob.s, room, 'last one I read');
    await ok(ask(bob.s, 'marks:set', { room, id: mine.id }));
    await send(carol.s, room, `${bob.name}: the oldest unread names you`);
    for (let chunk = 0; chunk < 21; chunk++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => send(carol.s, room, `filler ${chunk * 50 + i}`)),
      );
    }
    const [row] = (await fetchMarks(bob.s)).unread;
    // 1051 unread; the newest 1000 were read for mentions, and the one naming him is older.
    expect(row).toMatchObject({ room, unread: 1051, mentions: 0, partial: true });
  });

  it('counts messages as they are now: an edit is no new message, a deleted one is not unread', async () => {
    const bob = await user('bob');
    const carol = await user('carol', 1);
    const room = userName('mk-edits');
    await join(bob.s, room, { remember: true });
    await join(carol.s, room);
    const seen = await send(carol.s, room, 'seen before');
    await ok(ask(bob.s, 'marks:set', { room, id: seen.id }));
    const a = await send(carol.s, room, 'first');
    const b = await send(carol.s, room, 'second');
    await send(carol.s, room, 'third');
    // Carol names bob by editing the first, and deletes the second (each change is a stream
    // entry with a sequence number of its own).
    await ok(
      ask(carol.s, 'message:edit', {
        room,
        id: a.id,
        text: `first, ${bob.name}`,
        clientMsgId: `marks-edit-${++cmid}`,
      }),
    );
    await ok(
      ask(carol.s, 'message:delete', { room, id: b.id, clientMsgId: `marks-del-${++cmid}` }),
    );
    const summary = await fetchMarks(bob.s);
    expect(summary.unread).toEqual([
      expect.objectContaining({
        room,
        unread: 2,
        mentions: 1,
        partial: false,
        lastFrom: carol.name,
      }),
    ]);
    expect(summary.mentions.map((m) => [m.id, m.text])).toEqual([[a.id, `first, ${bob.name}`]]);
  });

  it('leaves out the users the client ignores: counts, mentions, last sender, their conversations', async () => {
    const bob = await user('bob');
    const carol = await user('carol', 1);
    const dave = await user('dave', 1);
    const room = userName('mk-ignore');
    await join(bob.s, room, { remember: true });
    await join(carol.s, room);
    await join(dave.s, room);
    const seen = await send(carol.s, room, 'seen before');
    await ok(ask(bob.s, 'marks:set', { room, id: seen.id }));
    bob.s.close();
    await send(carol.s, room, 'one');
    const lastCarol = await send(carol.s, room, `two, ${bob.name}`);
    await send(dave.s, room, `${bob.name}: from dave`);
    await send(dave.s, room, 'dave again');
    await join(dave.s, `@${bob.name}`);
    await send(dave.s, `@${bob.name}`, 'a word in private');

    const back = await pool.open(cluster.nodes[0]!.url, bob.token);
    const all = await fetchMarks(back);
    expect(all.unread.map((u) => [u.room, u.unread, u.mentions, u.lastFrom]).sort()).toEqual(
      [
        [room, 4, 2, dave.name],
        [`@${dave.name}`, 1, 1, dave.name],
      ].sort(),
    );
    const ignoring = await ok(ask<MarksSummary>(back, 'marks:fetch', { ignore: [dave.name] }));
    expect(ignoring.unread).toEqual([
      expect.objectContaining({
        room,
        unread: 2,
        mentions: 1,
        partial: false,
        lastFrom: carol.name,
        lastId: lastCarol.id,
      }),
    ]);
    expect(ignoring.mentions.map((m) => m.from)).toEqual([carol.name]);
    // Only a name can be left out, and at most 1000 of them.
    for (const ignore of [['Not A Name'], Array.from({ length: 1001 }, (_, i) => `u${i}`), 'dave'])
      expect(code(await ask(back, 'marks:fetch', { ignore }))).toBe('bad_request');
  });

  it('bad input is answered bad_request (or not_member, not_found) and changes nothing', async () => {
    const bob = await user('bob');
    const room = userName('mk-bad');
    await join(bob.s, room, { remember: true });
    const { id } = await send(bob.s, room, 'one');
    await ok(ask(bob.s, 'marks:set', { room, id }));
    const store = cluster.redis.client();
    const marksKey = `chat:user:{${bob.name}}:marks`;
    const roomsKey = `chat:user:{${bob.name}}:rooms`;
    try {
      const before = [await store.hgetall(marksKey), await store.zrange(roomsKey, '0', '-1')];
      expect(before).toEqual([{ [room]: id }, [room]]);
      const bad: [string, unknown, string][] = [
        ['marks:set', { room, id: 'nope' }, 'bad_request'],
        ['marks:set', { room, id: '99999999999999999999-0' }, 'bad_request'],
        ['marks:set', { room, id, extra: 1 }, 'bad_request'],
        ['marks:set', { room: `${room}+x`, id }, 'bad_request'],
        ['marks:set', { room: `@${bob.name}`, id }, 'bad_request'],
        ['marks:set', { id }, 'bad_request'],
        ['marks:set', 'lobby', 'bad_request'],
        ['marks:set', { room: 'not-joined-here', id }, 'not_member'],
        ['marks:set', { room, id: '1-0' }, 'not_found'],
        ['marks:fetch', { all: true }, 'bad_request'],
        ['marks:fetch', [], 'bad_request'],
        ['room:join', { room, remember: 'yes' }, 'bad_request'],
      ];
      for (const [event, payload, want] of bad) {
        expect(code(await ask(bob.s, event, payload)), `${event} ${JSON.stringify(payload)}`).toBe(
          want,
        );
      }
      expect([await store.hgetall(marksKey), await store.zrange(roomsKey, '0', '-1')]).toEqual(
        before,
      );
    } finally {
      store.disconnect();
    }
  });
});
