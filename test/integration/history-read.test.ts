import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { History, type PageQuery } from '../../src/server/rooms/history.js';
import { UNUSED_ROOM_TTL_SEC, makeKeys, type Keys } from '../../src/server/redis/keys.js';
import { definePresenceRenew } from '../../src/server/rooms/scripts/presence-renew.js';
import type { RedisConn } from '../../src/server/redis/clients.js';
import { BACKENDS, commandClient, startStore, type TestStore } from '../helpers/cluster.js';

/**
 * `History.read`: a page, the room's meta and whether anything in it was changed, in one
 * script call in the room's slot, on one Redis and on a Redis Cluster.
 */
describe.each(BACKENDS)('a page of history in one call (%s)', (backend) => {
  let store: TestStore;
  let cmd: RedisConn;
  let keys: Keys;
  let history: History;
  const maxLen = 20;

  beforeAll(async () => {
    store = await startStore(backend);
    cmd = commandClient(store);
    keys = makeKeys(`t${randomBytes(4).toString('hex')}:`);
    history = new History(cmd, keys, { maxLen, waitReplicas: 0, waitTimeoutMs: 0 });
  }, 60_000);
  afterAll(async () => {
    cmd?.disconnect();
    await store?.down();
  });

  /** A room with `n` messages `m1`..`mn`; their ids in order. */
  async function room(name: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 1; i <= n; i++) {
      const r = await history.append({
        room: name,
        from: 'ann',
        text: `m${i}`,
        kind: 'text',
        clientMsgId: `${name}-${i}-0001`,
      });
      ids.push(r.id);
    }
    return ids;
  }

  const texts = (p: { page: { messages: { text: string }[] } }): string[] =>
    p.page.messages.map((m) => m.text);

  it('reads the newest page, after a position and before one, with the meta, oldest first', async () => {
    const ids = await room('pages', 12);
    const { epoch } = (await history.read('pages', { limit: 1 }, false)).meta!;
    const q = (x: Omit<PageQuery, 'epoch'>): PageQuery => ({ ...x, epoch });

    const latest = await history.read('pages', { limit: 5 }, false);
    expect(texts(latest)).toEqual(['m8', 'm9', 'm10', 'm11', 'm12']);
    expect(latest.meta).toEqual({ seq: 12, epoch });
    expect(latest.page).toMatchObject({ hasMore: false, truncated: false });
    expect(latest.unrecoverable).toBe(false);
    expect(latest.page.messages.every((m) => m.epoch === undefined)).toBe(true);

    const after = await history.read('pages', q({ since: ids[2]!, limit: 4 }), false);
    expect(texts(after)).toEqual(['m4', 'm5', 'm6', 'm7']);
    expect(after.page).toMatchObject({ hasMore: true, truncated: false });
    const tail = await history.read('pages', q({ since: ids[7]!, limit: 4 }), false);
    expect(texts(tail)).toEqual(['m9', 'm10', 'm11', 'm12']);
    expect(tail.page.hasMore).toBe(false);

    const before = await history.read('pages', q({ before: ids[9]!, limit: 3 }), false);
    expect(texts(before)).toEqual(['m7', 'm8', 'm9']);
    expect(before.page.hasMore).toBe(true);
    const start = await history.read('pages', q({ before: ids[2]!, limit: 3 }), false);
    expect(texts(start)).toEqual(['m1', 'm2']);
    expect(start.page.hasMore).toBe(false);
    // Both given: `since` wins, as the handlers always read it.
    const both = await history.read(
      'pages',
      q({ since: ids[10]!, before: ids[1]!, limit: 3 }),
      false,
    );
    expect(texts(both)).toEqual(['m12']);

    // The newest id itself is up to date; one past it is no position the room gave out (a
    // forged or corrupted cursor): the newest page, unrecoverable, as for another epoch.
    const upToDate = await history.read('pages', q({ since: ids[11]!, limit: 4 }), false);
    expect(texts(upToDate)).toEqual([]);
    expect(upToDate.unrecoverable).toBe(false);
    const [ms, seq] = ids[11]!.split('-');
    for (const future of [`${ms}-${Number(seq) + 1}`, `${Number(ms) + 1}-0`, '99999999999999-0']) {
      const forged = await history.read('pages', q({ since: future, limit: 3 }), false);
      expect(forged.unrecoverable, future).toBe(true);
      expect(texts(forged)).toEqual(['m10', 'm11', 'm12']);
    }
    // A room with no message yet has no position to resume from either.
    await history.read('empty-room', { limit: 1 }, true);
    const { epoch: fresh } = (await history.read('empty-room', { limit: 1 }, false)).meta!;
    const none = await history.read(
      'empty-room',
      { since: ids[0]!, epoch: fresh, limit: 3 },
      false,
    );
    expect(none.unrecoverable).toBe(true);
    // '0-0' is before every message: a reader that holds nothing, in a room with none too.
    const fromNothing = await history.read(
      'empty-room',
      { since: '0-0', epoch: fresh, limit: 3 },
      false,
    );
    expect(fromNothing.unrecoverable).toBe(false);
    expect(texts(fromNothing)).toEqual([]);
    const all = await history.read('pages', q({ since: '0-0', limit: 2 }), false);
    expect(all.unrecoverable).toBe(false);
    expect(texts(all)).toEqual(['m1', 'm2']);
  });

  it('gives back every message as it was sent, whatever its characters', async () => {
    // The page comes back from Redis as JSON made by Lua's cjson (history.ts): escapes,
    // multi-byte UTF-8, characters JSON treats specially, all exactly as sent.
    const sent = [
      'plain',
      'quotes " and \\ backslashes \\" and / slashes',
      'tab\there, line\nbreak, return\r, bell \u0007, escape \u001b[31m',
      'accents: café, naïve, Ærøskøbing; CJK: 漢字かな; RTL: שלום مرحبا',
      'astral: 🎉 👩‍👩‍👧 𝄞, separators \u2028 \u2029, BOM \uFEFF, replacement \uFFFD',
      '{"looks":["like",1,"json"]}',
      '[]',
      '{}',
    ];
    for (const [i, text] of sent.entries()) {
      await history.append({
        room: 'chars',
        from: 'ann',
        text,
        kind: 'text',
        clientMsgId: `chars-${i}-0001`,
      });
    }
    const read = await history.read('chars', { limit: 50 }, false);
    expect(texts(read)).toEqual(sent);
    expect(read.page.messages.map((m) => m.clientMsgId)).toEqual(
      sent.map((_, i) => `chars-${i}-0001`),
    );
    expect(read.page.messages.map((m) => m.seq)).toEqual(sent.map((_, i) => i + 1));
  });

  it('says a position is truncated only when it was trimmed away and is older than what is kept', async () => {
    const ids = await room('trimmed', maxLen + 5); // m1..m5 trimmed
    const { epoch } = (await history.read('trimmed', { limit: 1 }, false)).meta!;
    const gone = await history.read('trimmed', { since: ids[1]!, epoch, limit: 3 }, false);
    expect(gone.page.truncated).toBe(true);
    expect(texts(gone)).toEqual(['m6', 'm7', 'm8']);
    const kept = await history.read('trimmed', { since: ids[5]!, epoch, limit: 3 }, false);
    expect(kept.page.truncated).toBe(false);
    expect(texts(kept)).toEqual(['m7', 'm8', 'm9']);
  });

  it('reads the newest page instead of a position of another epoch, and says so', async () => {
    const ids = await room('epochs', 6);
    const { epoch } = (await history.read('epochs', { limit: 1 }, false)).meta!;
    for (const at of [{ since: ids[1]! }, { before: ids[4]! }]) {
      const stale = await history.read('epochs', { ...at, epoch: 'other', limit: 2 }, false);
      expect(stale.unrecoverable).toBe(true);
      expect(texts(stale)).toEqual(['m5', 'm6']);
      expect(stale.page).toMatchObject({ hasMore: false, truncated: false });
      expect(stale.meta?.epoch).toBe(epoch);
      const same = await history.read('epochs', { ...at, epoch, limit: 2 }, false);
      expect(same.unrecoverable).toBe(false);
    }
    // Without a position the reader's epoch does not matter: it reads the newest anyway.
    expect((await history.read('epochs', { epoch: 'other', limit: 1 }, false)).unrecoverable).toBe(
      false,
    );
  });

  it('makes the epoch of a room without one only when asked (a join), never on a read', async () => {
    const read = await history.read('fresh', { since: '0-0', epoch: 'e', limit: 5 }, false);
    expect(read.meta).toBeUndefined();
    expect(read.unrecoverable).toBe(true); // no epoch: no position means anything
    expect(read.page.messages).toEqual([]);
    expect(await cmd.exists(keys.roomMeta('fresh'), keys.roomLog('fresh'))).toBe(0);

    const made = await history.read('fresh', { limit: 5 }, true);
    expect(made.meta).toEqual({ seq: 0, epoch: expect.any(String) as string });
    const again = await history.read('fresh', { limit: 5 }, true);
    expect(again.meta).toEqual(made.meta);
    const sent = await history.append({
      room: 'fresh',
      from: 'ann',
      text: 'hi',
      kind: 'text',
      clientMsgId: 'fresh-1-0001',
    });
    expect(sent.epoch).toBe(made.meta.epoch);
  });

  it('says whether any message of the room was ever changed', async () => {
    const ids = await room('changed', 3);
    expect((await history.read('changed', { limit: 5 }, false)).changed).toBe(false);
    await history.changes.change({
      room: 'changed',
      from: 'ann',
      ref: ids[0]!,
      kind: 'edit',
      text: 'm1 again',
      clientMsgId: 'changed-edit-0001',
      since: 0,
    });
    const after = await history.read('changed', { limit: 5 }, false);
    expect(after.changed).toBe(true);
    expect(await history.read('pages', { limit: 1 }, false)).toMatchObject({ changed: false });
  });

  it('a room made by a join expires unless used: its first message keeps it', async () => {
    await history.read('joined-only', { limit: 5 }, true);
    const ttl = await cmd.ttl(keys.roomMeta('joined-only'));
    expect(ttl).toBeGreaterThan(UNUSED_ROOM_TTL_SEC - 60);
    expect(ttl).toBeLessThanOrEqual(UNUSED_ROOM_TTL_SEC);
    // A presence renewal extends it (the room is in use); a message makes it permanent.
    await cmd.expire(keys.roomMeta('joined-only'), 100);
    definePresenceRenew(cmd);
    const now = Date.now();
    const renew = (room: string): Promise<number> =>
      cmd.chatPresenceRenew(
        keys.roomPresenceBoots(room),
        keys.roomPresence(room),
        keys.roomMeta(room),
        now,
        'pid-1',
        now + 60_000,
        120_000,
        0,
        'ann',
      );
    await renew('joined-only');
    expect(await cmd.ttl(keys.roomMeta('joined-only'))).toBeGreaterThan(UNUSED_ROOM_TTL_SEC - 60);
    await room('joined-only', 1);
    expect(await cmd.ttl(keys.roomMeta('joined-only'))).toBe(-1);
    // Joined again, renewed: still permanent.
    await history.read('joined-only', { limit: 5 }, true);
    await renew('joined-only');
    expect(await cmd.ttl(keys.roomMeta('joined-only'))).toBe(-1);
  });

  it('a room whose first message an instance of the version before stored (no PERSIST) is kept by the next message or join', async () => {
    await history.read('upgraded', { limit: 5 }, true);
    // The older append: the message counted, the join's expiry left as it was.
    await cmd.hincrby(keys.roomMeta('upgraded'), 'seq', 1);
    expect(await cmd.ttl(keys.roomMeta('upgraded'))).toBeGreaterThan(0);
    await history.read('upgraded', { limit: 5 }, true);
    expect(await cmd.ttl(keys.roomMeta('upgraded'))).toBe(-1);
    await cmd.expire(keys.roomMeta('upgraded'), 100);
    await room('upgraded', 1);
    expect(await cmd.ttl(keys.roomMeta('upgraded'))).toBe(-1);
  });
});
