import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient } from '../../src/client/chat-client.js';
import { login } from '../../src/client/api.js';
import { sessionKey, startInstances, until, userName, TestInstance } from '../helpers/cluster.js';
import { freePort, killAll, killAndWait, track } from '../helpers/processes.js';
import { eventually } from '../helpers/eventually.js';
import { handshakeOutcome, rawSocket } from '../helpers/raw.js';
import { SessionEndReason } from '../../src/protocol/index.js';
import { Sessions, parseToken } from '../../src/server/auth/sessions.js';
import { makeKeys } from '../../src/server/redis/keys.js';
import { TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let node: TestInstance;
const clients: ChatClient[] = [];

// A short re-check interval so the test sees several rounds quickly (production: 2 minutes).
const CHECK_MS = 300;

beforeAll(async () => {
  redis = await TestRedis.start();
  [node] = (await startInstances(1, redis.url, {
    CHAT_SESSION_CHECK_MS: String(CHECK_MS),
  })) as [TestInstance];
});
afterAll(async () => {
  for (const c of clients) c.close();
  await killAll();
});

async function connectAs(token: string): Promise<ChatClient> {
  const c = new ChatClient({ servers: [node.url], token, pingEveryMs: 0 });
  clients.push(c);
  await c.connect();
  return c;
}

/**
 * The session keys the instance checks (a script that reads the session with its account),
 * in order, as Redis itself sees them
 * (MONITOR), until `enough` says the list is long enough.
 */
async function sessionChecks(
  enough: (keys: string[]) => boolean,
  port = redis.port,
): Promise<string[]> {
  return (await timedSessionChecks(enough, port)).map((c) => c.key);
}

/** {@link sessionChecks} with the time Redis ran each (seconds). */
async function timedSessionChecks(
  enough: (keys: string[]) => boolean,
  port = redis.port,
): Promise<{ key: string; at: number }[]> {
  // redis-cli's MONITOR, not ioredis's: ioredis matches monitor lines against its own command
  // queue and can fail with "Command queue state error" when one arrives during its ready check.
  const monitor = track(
    spawn('redis-cli', ['-p', String(port), 'monitor'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const keys: string[] = [];
  const checks: { key: string; at: number }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`session checks seen: ${JSON.stringify(keys)}`)),
        20_000,
      );
      createInterface({ input: monitor.stdout! }).on('line', (line) => {
        // `<time> [<db> <addr>] "cmd" "arg" ...`
        const args = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
        if (!['exists', 'evalsha', 'eval'].includes(args[0]?.toLowerCase() ?? '')) return;
        const at = Number(line.slice(0, line.indexOf(' ')));
        for (const key of args.slice(1).filter((k) => k.includes(':session:'))) {
          keys.push(key);
          checks.push({ key, at });
        }
        if (!enough(keys)) return;
        clearTimeout(t);
        resolve();
      });
    });
  } finally {
    await killAndWait(monitor, 'SIGTERM');
  }
  return checks;
}

describe('sockets whose session vanished are ended promptly', () => {
  it('a deleted session key ends its live sockets within a check interval; others stay', async () => {
    const { token } = await login(node.url, userName('gone'), 'password-1');
    const { token: keep } = await login(node.url, userName('kept'), 'password-1');
    const a = await connectAs(token);
    const b = await connectAs(token);
    const other = await connectAs(keep);
    const r = redis.client();
    await r.del(sessionKey(token));
    r.disconnect();
    const t0 = Date.now();
    await until(a, () => a.state.kind === 'ended', 5000, 'first socket ended');
    await until(b, () => b.state.kind === 'ended', 5000, 'second socket ended');
    const endedMs = Date.now() - t0;
    // The client reconnected and was refused: it asks its user to log in again.
    expect(a.state.kind === 'ended' && a.state.reason).toBe('unauthorized');
    expect(endedMs).toBeLessThan(CHECK_MS * 2 + 2000);
    expect(other.state.kind).toBe('connected');
    console.log(`sockets of a deleted session ended after ${endedMs} ms`);
  });

  it('is cheap: one command per distinct session per round, however many sockets share it', async () => {
    const { token } = await login(node.url, userName('shared'), 'password-1');
    const shared = await Promise.all(Array.from({ length: 10 }, () => connectAs(token)));
    expect(shared.every((c) => c.state.kind === 'connected')).toBe(true);
    const { token: loneToken } = await login(node.url, userName('lone'), 'password-1');
    await connectAs(loneToken);
    // Rounds are counted by the session with one socket: each checks it once.
    const sharedKey = sessionKey(token);
    const loneKey = sessionKey(loneToken);
    const ROUNDS = 6;
    const checked = await sessionChecks(
      (keys) => keys.filter((k) => k === loneKey).length === ROUNDS,
    );
    const sharedChecks = checked.filter((k) => k === sharedKey).length;
    console.log(
      `session checks in ${ROUNDS} rounds: ${sharedChecks} for the session of 10 sockets, ${checked.length} in all`,
    );
    // Ten sockets on one session cost what one socket costs: one command a round (the first
    // round seen may have begun before the monitor did, the last may not have reached it).
    expect(sharedChecks).toBeGreaterThanOrEqual(ROUNDS - 1);
    expect(sharedChecks).toBeLessThanOrEqual(ROUNDS + 1);
  });

  it("an account deleted behind the server's back ends its live sockets, which are told why", async () => {
    const name = userName('orphan');
    const { token } = await login(node.url, name, 'password-1');
    const c = await connectAs(token);
    const r = redis.client();
    await r.del(`chat:user:{${name}}`);
    r.disconnect();
    await until(c, () => c.state.kind === 'ended', 5000, 'ended after the account vanished');
    expect(c.state).toMatchObject({
      kind: 'ended',
      reason: 'account_deleted',
      message: `the account "${name}" no longer exists`,
    });
    expect(await handshakeOutcome(node.url, { token })).toBe('unauthorized');
  });

  it.each([
    ['a logout', SessionEndReason.LoggedOut, 'this session was logged out; log in again'],
    ['a kick', SessionEndReason.Kicked, 'an operator ended this session; log in again'],
  ] as const)(
    'a session ended by %s whose notice never reached its socket is told why by the sweep, and again on a reconnect',
    async (_, reason, message) => {
      const name = userName('ended');
      const { token } = await login(node.url, name, 'password-1');
      const c = await connectAs(token);
      const states: string[] = [];
      c.on('state', (st) => states.push(st.kind));
      // What the request that ended it did to Redis (on another instance, say), without the
      // notice it then sends: the sweep ran beside it, or its instance died in between.
      const r = redis.client();
      const sessions = new Sessions(r, makeKeys('chat:'), 3600);
      const { user, hash } = parseToken(token)!;
      if (reason === SessionEndReason.LoggedOut) {
        await sessions.revoke({ user, hash, createdAt: 0 }, reason);
      } else {
        expect(await sessions.revokeAll(user, reason)).toEqual([hash]);
      }
      r.disconnect();
      await until(c, () => c.state.kind === 'ended', 5000, 'ended by the sweep');
      expect(c.state).toMatchObject({ kind: 'ended', reason, message });
      // Told by the sweep itself: it did not learn it from a refused reconnect.
      expect(states).toEqual(['ended']);
      // A client that was away meanwhile: its reconnect is refused, and says why.
      const away = new ChatClient({ servers: [node.url], token, pingEveryMs: 0 });
      clients.push(away);
      await expect(away.connect()).rejects.toThrow(message);
      expect(away.state).toMatchObject({ kind: 'ended', reason, message });
      expect(await handshakeOutcome(node.url, { token })).toBe('unauthorized');
    },
  );

  it('a session whose account record holds what the server did not write is left connected and said at warn; a vanished one beside it still ends', async () => {
    const name = userName('mangled');
    const { token } = await login(node.url, name, 'password-1');
    const { token: goneToken } = await login(node.url, userName('vanished'), 'password-1');
    const kept = await connectAs(token);
    const vanished = await connectAs(goneToken);
    const r = redis.client();
    await r.set(`chat:user:{${name}}`, 'not json {');
    await r.del(sessionKey(goneToken));
    r.disconnect();
    await until(vanished, () => vanished.state.kind === 'ended', 5000, 'the vanished one ended');
    const warned = await eventually(
      () => {
        const line = node.log.lines.find(
          (l) =>
            l.level === 40 &&
            String(l.msg).startsWith('sessions whose keys hold what the server did not write') &&
            Array.isArray(l.users) &&
            l.users.includes(name),
        );
        if (!line) throw new Error('not yet');
        return line;
      },
      { what: 'the warning naming the user', timeoutMs: 5000 },
    );
    expect(String(warned.error)).toMatch(/Expected value/);
    expect(kept.state.kind).toBe('connected');
  });

  it("a handshake whose account record holds what the server did not write is refused as retryable, saying so, and logged with the user's name", async () => {
    const name = userName('unreadable');
    const { token } = await login(node.url, name, 'password-1');
    const r = redis.client();
    await r.set(`chat:user:{${name}}`, 'not json {');
    r.disconnect();
    const s = rawSocket(node.url, { token });
    try {
      const err = await new Promise<Error & { data?: { code?: string } }>((resolve) =>
        s.once('connect_error', resolve),
      );
      // Retryable (the record may be mended), and not called a storage outage.
      expect(err.data?.code).toBe('unavailable');
      expect(err.message).toBe(
        "the server cannot read this account's records; the operator's log names them",
      );
    } finally {
      s.close();
    }
    const line = await eventually(
      () => {
        const l = node.log.lines.find(
          (x) => x.msg === "handshake could not read the user's session or account record",
        );
        if (!l) throw new Error('not yet');
        return l;
      },
      { what: 'the warning', timeoutMs: 5000 },
    );
    expect(line.user).toBe(name);
    expect(line.level).toBe(40);
  });

  it('FLUSHALL ends every live socket, and the tokens are refused from then on', async () => {
    const { token } = await login(node.url, userName('flushed'), 'password-1');
    const c = await connectAs(token);
    const r = redis.client();
    await r.flushall();
    r.disconnect();
    await until(c, () => c.state.kind === 'ended', 5000, 'ended after FLUSHALL');
    expect(c.state.kind === 'ended' && c.state.reason).toBe('unauthorized');
    // Every socket of the file's earlier tests too: each leaves on its own connection, in no
    // particular order after the one awaited above (it failed so once).
    await Promise.all(
      clients.map((x) =>
        until(x, () => x.state.kind !== 'connected', 5000, 'every socket off after FLUSHALL'),
      ),
    );
    expect(await handshakeOutcome(node.url, { token })).toBe('unauthorized');
  });
});

describe('the periodic sweep', () => {
  it('is spread over its interval, not run as one burst', async () => {
    // 3 s between sweeps, so each of its 60 slices is 50 ms apart; 6 sessions: one a slice.
    // An instance of its own beside the file's chat-1 (an id in use is refused).
    const spread = await new TestInstance('spread-1', await freePort(), {
      REDIS_URL: redis.url,
      CHAT_SESSION_CHECK_MS: '3000',
    }).start();
    const mine: ChatClient[] = [];
    try {
      const keys = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const { token } = await login(spread.url, userName('swept'), 'password-1');
        keys.add(sessionKey(token));
        const c = new ChatClient({ servers: [spread.url], token, pingEveryMs: 0 });
        mine.push(c);
        await c.connect();
      }
      const checks = (
        await timedSessionChecks((seen) => [...keys].every((k) => seen.includes(k)))
      ).filter((c) => keys.has(c.key));
      const first = new Map<string, number>();
      for (const c of checks) if (!first.has(c.key)) first.set(c.key, c.at);
      const times = [...first.values()].sort((x, y) => x - y);
      const spanMs = (times.at(-1)! - times[0]!) * 1000;
      console.log(`6 sessions of one sweep checked over ${spanMs.toFixed(0)} ms`);
      // One burst took a few ms; spread, the 6 slices span at least 5 x 50 ms (less a margin
      // for a slice skipped while one before it still ran).
      expect(spanMs).toBeGreaterThan(150);
    } finally {
      for (const c of mine) c.close();
      await spread.kill('SIGTERM');
    }
  });
});
