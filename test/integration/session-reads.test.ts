import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Accounts } from '../../src/server/auth/accounts.js';
import { parseToken, Sessions } from '../../src/server/auth/sessions.js';
import type { RedisConn } from '../../src/server/redis/clients.js';
import { makeKeys } from '../../src/server/redis/keys.js';
import {
  BACKENDS,
  commandClient,
  startStore,
  userName,
  type TestStore,
} from '../helpers/cluster.js';

/** Script calls (EVALSHA and EVAL) Redis has run, over every master. */
async function scriptCalls(store: TestStore): Promise<number> {
  const ports = store.kind === 'single' ? [store.port] : await store.masterPorts();
  let calls = 0;
  for (const port of ports) {
    const r = new Redis({ port, lazyConnect: true });
    try {
      await r.connect();
      const info = await r.info('commandstats');
      for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) {
        calls += Number(m[1]);
      }
    } finally {
      r.disconnect();
    }
  }
  return calls;
}

describe.each(BACKENDS)('session reads of one turn (%s)', (backend) => {
  const keys = makeKeys('chat');
  let store: TestStore;
  let redis: RedisConn;
  let admin: RedisConn;
  let sessions: Sessions;
  let accounts: Accounts;

  /** A new account with a session; returns its name and token. */
  async function account(): Promise<{ user: string; token: string }> {
    const user = userName('reads');
    const { inc } = await accounts.login(user, 'password-1');
    const made = await sessions.create(user, inc);
    if (!made.ok) throw new Error(`no session for ${user}: ${made.why}`);
    return { user, token: made.token };
  }

  beforeAll(async () => {
    store = await startStore(backend);
    redis = commandClient(store);
    admin = commandClient(store);
    // No cache: every resolve below reads Redis.
    sessions = new Sessions(redis, keys, 3600, { cacheMs: 0 });
    accounts = new Accounts(redis, keys);
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    admin?.disconnect();
    await store?.down();
  });

  it('answers each session of the turn for itself, whatever the others are', async () => {
    const good = await Promise.all(Array.from({ length: 5 }, () => account()));
    const [gone, orphan, banned, penalised] = await Promise.all(
      Array.from({ length: 4 }, () => account()),
    );
    const hashOf = (token: string): string => parseToken(token)!.hash;
    await admin.del(keys.session(gone!.user, hashOf(gone!.token)));
    await admin.del(keys.user(orphan!.user));
    await admin.set(keys.userBan(banned!.user), JSON.stringify({ since: Date.now() }));
    await admin.set(keys.floodBlock(penalised!.user, hashOf(penalised!.token)), '1', 'PX', 60_000);
    // Once, so that the script is loaded on every connection before the count starts.
    await sessions.resolve(good[0]!.token);
    const before = await scriptCalls(store);

    const tokens = [good[0], gone, good[1], orphan, good[2], banned, good[3], penalised, good[4]];
    const answers = await Promise.all(tokens.map((a) => sessions.resolve(a!.token)));

    const calls = (await scriptCalls(store)) - before;
    const view = answers.map((r) =>
      r.ok
        ? { ok: true, user: r.session.user, penalised: r.penaltyMs > 0 }
        : { ok: false, why: r.why },
    );
    expect(view).toEqual([
      { ok: true, user: good[0]!.user, penalised: false },
      { ok: false, why: 'invalid' },
      { ok: true, user: good[1]!.user, penalised: false },
      { ok: false, why: 'orphan' },
      { ok: true, user: good[2]!.user, penalised: false },
      { ok: false, why: 'banned' },
      { ok: true, user: good[3]!.user, penalised: false },
      { ok: true, user: penalised!.user, penalised: true },
      { ok: true, user: good[4]!.user, penalised: false },
    ]);
    // The orphan's session is deleted by the read, as a read of it alone does.
    expect(await admin.exists(keys.session(orphan!.user, hashOf(orphan!.token)))).toBe(0);
    // One Redis: the nine reads are one script call. A Cluster: a call each, in its user's
    // slot (a script cannot reach keys of several slots).
    expect(calls).toBe(backend === 'single' ? 1 : tokens.length);
  });

  it('a sweep of many sessions goes in calls of at most 64, each session answered', async () => {
    const some = await Promise.all(Array.from({ length: 3 }, () => account()));
    const hashOf = (token: string): string => parseToken(token)!.hash;
    await admin.del(keys.session(some[1]!.user, hashOf(some[1]!.token)));
    // 130 sessions in one check: the three above and 127 that never existed.
    const strangers = Array.from({ length: 127 }, (_, i) => ({
      user: `nobody${i}`,
      hash: i.toString(16).padStart(64, '0'),
    }));
    const list = [...some.map((a) => ({ user: a.user, hash: hashOf(a.token) })), ...strangers];
    const before = await scriptCalls(store);
    const bad = await sessions.check(list);
    const calls = (await scriptCalls(store)) - before;
    expect(bad.has(hashOf(some[0]!.token))).toBe(false);
    expect(bad.get(hashOf(some[1]!.token))).toEqual({ ok: false, why: 'invalid' });
    expect(bad.has(hashOf(some[2]!.token))).toBe(false);
    for (const s of strangers) expect(bad.get(s.hash)).toEqual({ ok: false, why: 'invalid' });
    expect(bad.size).toBe(1 + strangers.length);
    expect(calls).toBe(backend === 'single' ? 3 : list.length);
  });
});
