import { afterAll, describe, expect, it } from 'vitest';
import type { ChatClient } from '../../src/client/chat-client.js';
import {
  SEARCH_SCAN_MAX,
  type ChatMessage,
  type HistoryResult,
  type JoinResult,
  type SearchResult,
  type SendResult,
} from '../../src/protocol/index.js';
import { connectUser, until, useCluster } from '../helpers/cluster.js';
import { ask, code, ok, socketPool } from '../helpers/raw.js';
import { seedRoomLog } from '../helpers/seed-log.js';

/**
 * Edits and deletes are history entries of their own that reference the message they change:
 * every client shows the change in place, once (live, in a page, after a resume, on any
 * instance), and nothing is changed on a refusal. Search walks the kept history in bounded
 * steps. Runs on one Redis and on a Redis Cluster (vitest.config.ts).
 */
// The walk of 10,000 entries reads them as fast as it can: no search budget in its way
// (search-budget.test.ts tests that).
const cluster = useCluster(3, { CHAT_HISTORY_MAX: '20000', CHAT_SEARCH_SCAN_PER_SEC: '1000000' });
const { clients } = cluster;
const pool = socketPool();

async function user(servers: string[], opts: Parameters<typeof connectUser>[1] = {}) {
  const u = await connectUser(servers, opts);
  clients.push(u.client);
  return u;
}

const texts = (c: ChatClient, room: string): string[] =>
  c.rooms.get(room)?.messages.map((m) => (m.deleted ? '<deleted>' : m.text)) ?? [];

const cmid = (): string => `t${Math.random().toString(36).slice(2, 14)}`;

describe('edit and delete', () => {
  it('are seen in place, once, by another user on another instance and by a late joiner', async () => {
    const [a, b, c] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const { client: alice } = await user([a]);
    const { client: bob } = await user([b]);
    await alice.join('edits');
    await bob.join('edits');
    const one = await alice.send('edits', 'first');
    const two = await alice.send('edits', 'two\nlines');
    await until(bob, () => texts(bob, 'edits').length === 2, 10_000, 'both messages');

    await alice.edit('edits', one.id!, 'first, edited');
    await alice.edit('edits', two.id!, 'two\nlines\nnow three');
    await until(
      bob,
      () => texts(bob, 'edits').join('|') === 'first, edited|two\nlines\nnow three',
      10_000,
      'both edits',
    );
    const shown = bob.rooms.get('edits')!.messages;
    expect(shown.map((m) => m.id)).toEqual([one.id, two.id]);
    expect(shown.every((m) => m.rev !== undefined)).toBe(true);

    await alice.remove('edits', one.id!);
    await until(bob, () => texts(bob, 'edits')[0] === '<deleted>', 10_000, 'the delete');
    expect(texts(bob, 'edits')).toEqual(['<deleted>', 'two\nlines\nnow three']);
    // The edits did not count as something new to read.
    expect(bob.rooms.get('edits')!.unread).toBe(2);

    // A late joiner on a third instance reads the page as it is now.
    const { client: carol } = await user([c]);
    await carol.join('edits');
    expect(texts(carol, 'edits')).toEqual(['<deleted>', 'two\nlines\nnow three']);
    expect(carol.rooms.get('edits')!.messages[0]!.text).toBe('');
    expect(texts(alice, 'edits')).toEqual(texts(carol, 'edits'));
  });

  it("pages carry the change entries folded: a deleted message's old text is never served", async () => {
    const [a] = cluster.nodes.map((n) => n.url) as [string];
    const { token } = await user([a]);
    const s = await pool.open(a, token);
    await ok(ask<JoinResult>(s, 'room:join', { room: 'folded' }));
    const sent = await ok(
      ask<SendResult>(s, 'message:send', {
        room: 'folded',
        text: 'secret v1',
        clientMsgId: cmid(),
      }),
    );
    await ok(
      ask(s, 'message:edit', {
        room: 'folded',
        id: sent.id,
        text: 'secret v2',
        clientMsgId: cmid(),
      }),
    );
    const del = await ok(
      ask<SendResult>(s, 'message:delete', { room: 'folded', id: sent.id, clientMsgId: cmid() }),
    );
    expect(del.seq).toBe(3);
    const page = await ok(ask<HistoryResult>(s, 'room:history', { room: 'folded' }));
    expect(page.messages.map((m) => [m.seq, m.kind, m.text, m.rev, m.deleted])).toEqual([
      [1, 'text', '', del.id, true],
      [2, 'edit', '', del.id, true],
      [3, 'delete', '', undefined, undefined],
    ]);
    expect(page.messages[1]!.ref).toBe(sent.id);
    expect(JSON.stringify(page)).not.toContain('secret');
  });

  it('are refused clearly and change nothing: not yours, not there, deleted, not editable, too long', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const owner = await pool.open(a, (await user([a])).token);
    const other = await pool.open(b, (await user([b])).token);
    const outsider = await pool.open(b, (await user([b])).token);
    for (const s of [owner, other]) await ok(ask(s, 'room:join', { room: 'refusals' }));
    const mine = await ok(
      ask<SendResult>(owner, 'message:send', {
        room: 'refusals',
        text: 'mine',
        clientMsgId: cmid(),
      }),
    );
    const gone = await ok(
      ask<SendResult>(owner, 'message:send', {
        room: 'refusals',
        text: 'gone',
        clientMsgId: cmid(),
      }),
    );
    await ok(ask(owner, 'message:delete', { room: 'refusals', id: gone.id, clientMsgId: cmid() }));
    const edit = (id: string, text = 'changed') => ({
      room: 'refusals',
      id,
      text,
      clientMsgId: cmid(),
    });
    const del = (id: string) => ({ room: 'refusals', id, clientMsgId: cmid() });
    const before = await ok(ask<HistoryResult>(owner, 'room:history', { room: 'refusals' }));

    const answers = {
      notYours: await ask(other, 'message:edit', edit(mine.id)),
      notYoursDelete: await ask(other, 'message:delete', del(mine.id)),
      notThere: await ask(owner, 'message:edit', edit('1-0')),
      deleted: await ask(owner, 'message:edit', edit(gone.id)),
      deletedAgain: await ask(owner, 'message:delete', del(gone.id)),
      tooLong: await ask(owner, 'message:edit', edit(mine.id, 'x'.repeat(2001))),
      blank: await ask(owner, 'message:edit', edit(mine.id, ' \u200b ')),
      badId: await ask(owner, 'message:edit', edit('not-an-id')),
      notMember: await ask(outsider, 'message:edit', edit(mine.id)),
      extraField: await ask(owner, 'message:delete', { ...del(mine.id), text: 'x' }),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, code(r)]))).toEqual({
      notYours: 'forbidden',
      notYoursDelete: 'forbidden',
      notThere: 'not_found',
      deleted: 'not_found',
      deletedAgain: 'not_found',
      tooLong: 'bad_request',
      blank: 'bad_request',
      badId: 'bad_request',
      notMember: 'not_member',
      extraField: 'bad_request',
    });
    expect(answers.notYours.ok ? '' : answers.notYours.error.message).toMatch(/your own/);
    // An edit entry is not itself editable.
    const edited = await ok(ask<SendResult>(owner, 'message:edit', edit(mine.id, 'mine, edited')));
    expect(code(await ask(owner, 'message:edit', edit(edited.id)))).toBe('bad_request');
    const after = await ok(ask<HistoryResult>(owner, 'room:history', { room: 'refusals' }));
    // Only the one accepted edit was stored.
    expect(after.messages.length).toBe(before.messages.length + 1);
    expect(after.messages.at(-1)!.seq).toBe(before.messages.at(-1)!.seq + 1);
  });

  it('work in a direct conversation, each side reading it under the other name', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const alice = await user([a]);
    const bob = await user([b]);
    await alice.client.join(`@${bob.user}`);
    await bob.client.join(`@${alice.user}`);
    const m = await alice.client.send(`@${bob.user}`, 'psst');
    await alice.client.edit(`@${bob.user}`, m.id!, 'psst, edited');
    const atBob = `@${alice.user}`;
    await until(
      bob.client,
      () => texts(bob.client, atBob).join('|') === 'psst, edited',
      10_000,
      'the edit in the conversation',
    );
    // Bob cannot change Alice's message from his side either.
    await expect(bob.client.remove(atBob, m.id!)).rejects.toMatchObject({ code: 'forbidden' });
    const found = await bob.client.search(atBob, 'EDITED');
    expect(found.hits.map((h) => [h.room, h.text])).toEqual([[atBob, 'psst, edited']]);
  });

  it('a retried edit (same clientMsgId) is stored once', async () => {
    const [a] = cluster.nodes.map((n) => n.url) as [string];
    const s = await pool.open(a, (await user([a])).token);
    await ok(ask(s, 'room:join', { room: 'retried' }));
    const m = await ok(
      ask<SendResult>(s, 'message:send', { room: 'retried', text: 'x', clientMsgId: cmid() }),
    );
    const req = { room: 'retried', id: m.id, text: 'y', clientMsgId: cmid() };
    const first = await ok(ask<SendResult>(s, 'message:edit', req));
    const again = await ok(ask<SendResult>(s, 'message:edit', req));
    expect(again).toMatchObject({ id: first.id, seq: first.seq, duplicate: true });
  });

  it("a client id names one request: reused for another change, or a send, it is not that one's repeat", async () => {
    const [a] = cluster.nodes.map((n) => n.url) as [string];
    const s = await pool.open(a, (await user([a])).token);
    await ok(ask(s, 'room:join', { room: 'reused' }));
    const id = cmid();
    const m = await ok(
      ask<SendResult>(s, 'message:send', { room: 'reused', text: 'x', clientMsgId: id }),
    );
    // The send's id again, for an edit and then a delete of that message: each is done.
    const edit = await ok(
      ask<SendResult>(s, 'message:edit', { room: 'reused', id: m.id, text: 'y', clientMsgId: id }),
    );
    expect(edit).toMatchObject({ seq: m.seq + 1, duplicate: false });
    const del = await ok(
      ask<SendResult>(s, 'message:delete', { room: 'reused', id: m.id, clientMsgId: id }),
    );
    expect(del).toMatchObject({ seq: m.seq + 2, duplicate: false });
    // A send again under it is that send's repeat; a send's id reused by its edit, an edit.
    const next = await ok(
      ask<SendResult>(s, 'message:send', { room: 'reused', text: 'z', clientMsgId: id }),
    );
    expect(next).toMatchObject({ id: m.id, duplicate: true }); // the send's own repeat
    const other = cmid();
    const e2 = await ok(
      ask<SendResult>(s, 'message:send', { room: 'reused', text: 'w', clientMsgId: other }),
    );
    await ok(
      ask<SendResult>(s, 'message:edit', {
        room: 'reused',
        id: e2.id,
        text: 'w2',
        clientMsgId: other,
      }),
    );
    const page = await ok(ask<HistoryResult>(s, 'room:history', { room: 'reused' }));
    expect(page.messages.map((x) => [x.kind, x.text, x.deleted ?? false])).toEqual([
      ['text', '', true],
      ['edit', '', true],
      ['delete', '', false],
      ['text', 'w2', false],
      ['edit', 'w2', false],
    ]);
  });
});

describe('search', () => {
  it('finds current text newest first, case-insensitively, in bounded steps with a cursor', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const { client: alice } = await user([a]);
    await alice.join('findings');
    const sent: string[] = [];
    for (let i = 1; i <= 8; i++) sent.push((await alice.send('findings', `Needle ${i}`)).id!);
    await alice.send('findings', 'hay');
    await alice.edit('findings', sent[0]!, 'now it says straw');
    await alice.edit('findings', sent[1]!, 'a NEEDLE still');
    await alice.remove('findings', sent[2]!);

    // Another user, on another instance, not in the room: rooms are public.
    const s = await pool.open(b, (await user([b])).token);
    const first = await ok(
      ask<SearchResult>(s, 'room:search', { room: 'findings', text: 'needle', limit: 3 }),
    );
    expect(first.hits.map((m) => m.text)).toEqual(['Needle 8', 'Needle 7', 'Needle 6']);
    expect(first.next).toBe(sent[5]);
    const rest = await ok(
      ask<SearchResult>(s, 'room:search', { room: 'findings', text: 'needle', before: first.next }),
    );
    // Edited text is searched as edited, a deleted message is never found.
    expect(rest.hits.map((m) => m.text)).toEqual(['Needle 5', 'Needle 4', 'a NEEDLE still']);
    expect(rest.next).toBeUndefined();
    expect(rest.hits.every((m) => m.from === first.hits[0]!.from && m.ts > 0)).toBe(true);
    const straw = await ok(
      ask<SearchResult>(s, 'room:search', { room: 'findings', text: 'STRAW' }),
    );
    expect(straw.hits.map((m) => [m.id, m.rev !== undefined])).toEqual([[sent[0], true]]);
    const nothing = await ok(
      ask<SearchResult>(s, 'room:search', { room: 'findings', text: 'Needle 3' }),
    );
    expect(nothing.hits).toEqual([]);

    expect(code(await ask(s, 'room:search', { room: 'findings', text: '' }))).toBe('bad_request');
    expect(code(await ask(s, 'room:search', { room: 'findings', text: 'x', limit: 51 }))).toBe(
      'bad_request',
    );
    expect(code(await ask(s, 'room:search', { room: '@nosuchuser-x', text: 'x' }))).toBe(
      'not_found',
    );
  });

  it('walks a 10k-message room in steps of at most SEARCH_SCAN_MAX while the instance answers others', async () => {
    const [a] = cluster.nodes.map((n) => n.url) as [string];
    const room = 'big-search';
    const { token } = await user([a]);
    const walker = await pool.open(a, token);
    const other = await pool.open(a, (await user([a])).token);
    await ok(ask(walker, 'room:join', { room }));
    await ok(ask(other, 'room:join', { room }));
    // 10k messages in the room's stream, as the append script stores them.
    const redis = cluster.redis.client();
    try {
      await seedRoomLog(redis, room, 10_000, 'filler');
    } finally {
      redis.disconnect();
    }
    const oldest = await ok(
      ask<SendResult>(walker, 'message:send', { room, text: 'x', clientMsgId: cmid() }),
    );
    expect(oldest.seq).toBe(10_001);

    const events: string[] = [];
    let steps = 0;
    let scanned = 0;
    let before: string | undefined;
    let hits: ChatMessage[] = [];
    for (let n = 0; n < 100; n++) {
      const res = await ok(
        ask<SearchResult>(walker, 'room:search', {
          room,
          text: 'filler 1234',
          ...(before ? { before } : {}),
        }),
      );
      steps++;
      events.push(`step ${steps}`);
      expect(res.scanned).toBeLessThanOrEqual(SEARCH_SCAN_MAX);
      scanned += res.scanned;
      hits = hits.concat(res.hits);
      if (steps === 1) {
        // While the walk goes on, another socket pings and writes: both answered in between.
        void ask(other, 'sys:ping', { t: 1 }).then((r) => events.push(`ping ${code(r)}`));
        void ask(other, 'message:send', { room, text: 'meanwhile', clientMsgId: cmid() }).then(
          (r) => events.push(`send ${code(r)}`),
        );
      }
      before = res.next;
      if (before === undefined) break;
    }
    events.push('walk done');
    expect(steps).toBeGreaterThanOrEqual(10);
    expect(scanned).toBeGreaterThanOrEqual(10_001);
    expect(hits.map((m) => m.text)).toEqual(['filler 1234']);
    const done = events.indexOf('walk done');
    expect(events.indexOf('ping ok')).toBeGreaterThan(-1);
    expect(events.indexOf('ping ok')).toBeLessThan(done);
    expect(events.indexOf('send ok')).toBeGreaterThan(-1);
    expect(events.indexOf('send ok')).toBeLessThan(done);

    // The hit, 8,700 messages older than what a join loads, is loaded with its history.
    const { client: viewer } = await user([a]);
    const room2 = await viewer.join(room);
    expect(room2.has(hits[0]!.id)).toBe(false);
    expect(await viewer.loadAround(room, hits[0]!.id)).toBe(true);
    const around = room2.messages.filter((m) => m.from === 'seeder').map((m) => m.text);
    // 25 up to the hit, 25 after it; then the newest, which the join loaded.
    expect(around.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => `filler ${1210 + i}`));
    expect(room2.gaps).toEqual([expect.objectContaining({ afterSeq: 1259, unloaded: true })]);
  });
});

afterAll(() => pool.closeAll());

describe('resume', () => {
  it('a client whose instance died while its message was edited and deleted shows both in place once', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const { client: alice } = await user([a]);
    // Bob knows one instance only: it is away for the whole change.
    const { client: bob } = await user([b], { backoffMinMs: 100, backoffMaxMs: 300 });
    await alice.join('resumed');
    await bob.join('resumed');
    const one = await alice.send('resumed', 'one');
    const two = await alice.send('resumed', 'two');
    await until(bob, () => texts(bob, 'resumed').length === 2, 10_000, 'both messages');

    const statuses: string[] = [];
    bob.on('status', (t) => statuses.push(t));
    await cluster.nodes[1]!.kill('SIGKILL');
    await until(bob, () => bob.state.kind !== 'connected', 10_000, 'the drop');
    await alice.edit('resumed', one.id!, 'one, edited while bob was away');
    await alice.remove('resumed', two.id!);
    await alice.send('resumed', 'three');
    await cluster.nodes[1]!.start();
    await until(
      bob,
      () => texts(bob, 'resumed').at(-1) === 'three',
      20_000,
      'the resume after the restart',
    );
    await bob.settled();
    expect(texts(bob, 'resumed')).toEqual(['one, edited while bob was away', '<deleted>', 'three']);
    const seqs = bob.rooms.get('resumed')!.messages.map((m) => m.seq);
    expect(seqs).toEqual([1, 2, 5]);
    expect(bob.rooms.get('resumed')!.contiguousSeq).toBe(5);
    // One message was missed; the edit and the delete changed two it had.
    await until(bob, () => statuses.some((t) => t.includes('recovered')), 10_000, 'the status');
    expect(statuses.find((t) => t.includes('recovered'))).toContain('1 missed message recovered');
  });
});
