import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient } from '../../src/client/chat-client.js';
import { login } from '../../src/client/api.js';
import {
  sessionKey,
  startInstances,
  until,
  userName,
  type TestInstance,
} from '../helpers/cluster.js';
import { killAll } from '../helpers/processes.js';
import { handshakeOutcome } from '../helpers/raw.js';
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

/** Scripts run so far: a session check is one (session, account and ban read together). */
const scriptCalls = async (): Promise<number> => {
  const r = redis.client();
  const info = await r.info('commandstats');
  r.disconnect();
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
};

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
    // Sessions with live sockets now: `shared` and the `kept` one from the test above.
    const before = await scriptCalls();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, CHECK_MS * 6));
    const calls = (await scriptCalls()) - before;
    const rounds = (Date.now() - t0) / CHECK_MS;
    console.log(`${calls} session checks in ${rounds.toFixed(1)} rounds for 11 sockets`);
    expect(calls).toBeGreaterThanOrEqual(2 * Math.floor(rounds - 1));
    expect(calls).toBeLessThanOrEqual(2 * Math.ceil(rounds + 1));
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

  it('FLUSHALL ends every live socket, and the tokens are refused from then on', async () => {
    const { token } = await login(node.url, userName('flushed'), 'password-1');
    const c = await connectAs(token);
    const r = redis.client();
    await r.flushall();
    r.disconnect();
    await until(c, () => c.state.kind === 'ended', 5000, 'ended after FLUSHALL');
    expect(c.state.kind === 'ended' && c.state.reason).toBe('unauthorized');
    expect(clients.filter((x) => x.state.kind === 'connected')).toEqual([]);
    expect(await handshakeOutcome(node.url, { token })).toBe('unauthorized');
  });
});
