import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../../src/client/api.js';
import { SessionEndReason } from '../../src/protocol/index.js';
import { parseToken } from '../../src/server/auth/session-tokens.js';
import { CHECK_SESSIONS_PER_CALL, Sessions } from '../../src/server/auth/sessions.js';
import type { RedisConn } from '../../src/server/redis/clients.js';
import { makeKeys } from '../../src/server/redis/keys.js';
import { bulkUsers, commandClient, sessionKey, userName, useCluster } from '../helpers/cluster.js';

/**
 * The sweep's check of live sessions (session-watch.ts), straight against Redis: many
 * sessions in one script call on a single Redis, one each on Redis Cluster, and every answer
 * back in its session's place, whatever the others in the call answered.
 */
const fixture = useCluster(1);

let redis: RedisConn;
let sessions: Sessions;
beforeAll(() => {
  redis = commandClient(fixture.redis);
  sessions = new Sessions(redis, makeKeys('chat:'), 3600);
});
afterAll(() => redis.disconnect());

const session = (token: string): { user: string; hash: string } => {
  const { user, hash } = parseToken(token)!;
  return { user, hash };
};

/** Script calls Redis ran (EVALSHA, and EVAL when it did not have the script yet). */
async function scriptCalls(): Promise<number> {
  if (fixture.redis.kind !== 'single') return 0;
  const info = await redis.info('commandstats');
  let n = 0;
  for (const m of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) n += Number(m[2]);
  return n;
}

describe('checking the sessions of live sockets', () => {
  it('answers each session in its place: good, gone, orphaned, banned (a ban over several lines), ended', async () => {
    const url = fixture.nodes[0]!.url;
    const names = ['good', 'gone', 'orphan', 'banned', 'ended', 'also-good'].map((p) =>
      userName(`chk-${p}`),
    );
    const tokens = await Promise.all(names.map((n) => login(url, n, 'password-1')));
    const [good, gone, orphan, banned, ended, alsoGood] = tokens.map((t) => session(t.token)) as [
      ReturnType<typeof session>,
      ...ReturnType<typeof session>[],
    ];
    await redis.del(sessionKey(tokens[1]!.token));
    await redis.del(`chat:user:{${orphan!.user}}`);
    await redis.set(`chat:user:{${banned!.user}}:ban`, '{\n  "since": 1,\n  "reason": "spam"\n}');
    await sessions.revoke({ ...ended!, createdAt: 0 }, SessionEndReason.LoggedOut);
    const list = [good, gone!, orphan!, banned!, ended!, alsoGood!];

    await sessions.check([good]); // the script loaded, so that what follows counts calls only
    const before = await scriptCalls();
    const { bad, unreadable } = await sessions.check(list);
    expect(unreadable).toEqual([]);
    // One call for the six on a single Redis.
    if (fixture.redis.kind === 'single') expect((await scriptCalls()) - before).toBe(1);

    expect(Object.fromEntries(bad)).toEqual({
      [gone!.hash]: { ok: false, why: 'invalid' },
      [orphan!.hash]: { ok: false, why: 'orphan', user: orphan!.user },
      [banned!.hash]: {
        ok: false,
        why: 'banned',
        user: banned!.user,
        ban: { since: 1, reason: 'spam' },
      },
      [ended!.hash]: {
        ok: false,
        why: 'ended',
        user: ended!.user,
        reason: SessionEndReason.LoggedOut,
      },
    });
    // An orphan can never be good again: it is gone from Redis, and from its user's index.
    expect(await redis.exists(sessionKey(tokens[2]!.token))).toBe(0);
    expect(await redis.sismember(`chat:user:{${orphan!.user}}:sessions`, orphan!.hash)).toBe(0);
    // The good ones were only looked at: stamped as seen, not renewed.
    expect(await redis.exists(`chat:user:{${alsoGood!.user}}:seen`)).toBe(1);
  });

  it(`checks more sessions than one call takes (${CHECK_SESSIONS_PER_CALL}) in order`, async () => {
    const users = await bulkUsers(
      fixture.nodes[0]!.url,
      2 * CHECK_SESSIONS_PER_CALL + 37,
      'ltcheck',
    );
    const list = users.map((u) => session(u.token));
    const removed = new Set<string>();
    for (let i = 0; i < list.length; i += 7) {
      await redis.del(sessionKey(users[i]!.token));
      removed.add(list[i]!.hash);
    }
    const before = await scriptCalls();
    const { bad } = await sessions.check(list);
    if (fixture.redis.kind === 'single') expect((await scriptCalls()) - before).toBe(3);
    expect(new Set(bad.keys())).toEqual(removed);
  });

  it('judges the others in a call where one session has a key the server did not write', async () => {
    const url = fixture.nodes[0]!.url;
    const names = ['before', 'mangled', 'wrong-type', 'after', 'gone'].map((p) =>
      userName(`chk-${p}`),
    );
    const tokens = await Promise.all(names.map((n) => login(url, n, 'password-1')));
    const [before, mangled, wrongType, after, gone] = tokens.map((t) => session(t.token)) as [
      ReturnType<typeof session>,
      ...ReturnType<typeof session>[],
    ];
    // An account record edited by hand into something that is not JSON, and a seen stamp
    // that is not a string at all.
    await redis.set(`chat:user:{${mangled!.user}}`, 'not json {');
    await redis.del(`chat:user:{${wrongType!.user}}:seen`);
    await redis.rpush(`chat:user:{${wrongType!.user}}:seen`, 'a list');
    await redis.del(sessionKey(tokens[4]!.token));

    const { bad, unreadable } = await sessions.check([before, mangled!, wrongType!, after!, gone!]);
    expect(Object.fromEntries(bad)).toEqual({ [gone!.hash]: { ok: false, why: 'invalid' } });
    expect(unreadable.map((u) => [u.user, u.hash])).toEqual([
      [mangled!.user, mangled!.hash],
      [wrongType!.user, wrongType!.hash],
    ]);
    expect(unreadable[0]!.error).toMatch(/Expected value/);
    expect(unreadable[1]!.error).toMatch(/WRONGTYPE/);
    // Left as they are: nothing deleted for them.
    expect(await redis.exists(sessionKey(tokens[1]!.token))).toBe(1);
    expect(await redis.exists(sessionKey(tokens[2]!.token))).toBe(1);
  });
});
