import { describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { ApiError, login, logout, me } from '../../src/client/api.js';
import { ChatClient } from '../../src/client/chat-client.js';
import { ADMIN_NAMESPACE, type Result } from '../../src/protocol/index.js';
import { hashToken } from '../../src/server/auth/sessions.js';
import { TEST_ENV, sessionKey, until, userName, useCluster } from '../helpers/cluster.js';
import { connected, handshakeOutcome, rawSocket } from '../helpers/raw.js';

const cluster = useCluster(3, { CHAT_LOGIN_FAILURES_PER_USER: '5' });

/** Kicks a user through the admin namespace of the instance at `url`. */
async function kick(url: string, user: string): Promise<void> {
  const admin = io(`${url}${ADMIN_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { adminToken: TEST_ENV.CHAT_ADMIN_TOKEN },
    forceNew: true,
  });
  try {
    const res = await new Promise<Result<{ sockets: number }>>((r) =>
      admin.emit('admin:kick', { user }, r),
    );
    if (!res.ok) throw new Error(res.error.message);
  } finally {
    admin.close();
  }
}

/** Seconds left on a key (-2 when it is gone). */
async function ttl(key: string): Promise<number> {
  const r = cluster.redis.client();
  try {
    return await r.ttl(key);
  } finally {
    r.disconnect();
  }
}

describe('accounts and sessions', () => {
  it('registers a new name, then needs its password; the token is not stored in clear', async () => {
    const name = userName('acct');
    const first = await login(cluster.nodes[0]!.url, name, 'right-password');
    expect(first.created).toBe(true);
    expect(first.token.length).toBeGreaterThanOrEqual(22); // >= 128 bits, base64url
    const second = await login(cluster.nodes[1]!.url, name, 'right-password');
    expect(second.created).toBe(false);
    expect(second.token).not.toBe(first.token);

    const r = cluster.redis.client();
    const stored = JSON.parse((await r.get(`chat:user:{${name}}`))!) as Record<string, unknown>;
    expect(JSON.stringify(stored)).not.toContain('right-password');
    expect(stored.salt).toBeTruthy();
    // Only the token's hash is kept, in the user's slot beside the account.
    expect(sessionKey(first.token)).toBe(`chat:user:{${name}}:session:${hashToken(first.token)}`);
    expect(await r.exists(`chat:user:{${name}}:session:${first.token}`)).toBe(0);
    expect(await r.exists(sessionKey(first.token))).toBe(1);
    const ttl = await r.ttl(sessionKey(first.token));
    expect(ttl).toBeGreaterThan(29 * 24 * 3600);
    r.disconnect();
  });

  it('a wrong password is a 401 that does not say which half was wrong', async () => {
    const name = userName('pw');
    await login(cluster.nodes[0]!.url, name, 'right-password');
    const err = await login(cluster.nodes[2]!.url, name, 'wrong-password').catch(
      (e: ApiError) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect((err as ApiError).message).toBe('wrong user name or password');
  });

  it('a token works on every instance, and a reconnect elsewhere needs no new login', async () => {
    const name = userName('multi');
    const { token } = await login(cluster.nodes[0]!.url, name, 'password-1');
    for (const n of cluster.nodes) {
      expect(await handshakeOutcome(n.url, { token })).toBe('connected');
      expect((await me(n.url, token)).user.name).toBe(name);
    }
    const client = new ChatClient({
      servers: [cluster.nodes[0]!.url, cluster.nodes[1]!.url],
      token,
      pingEveryMs: 0,
    });
    await client.connect();
    expect(client.welcome?.instanceId).toBe('chat-1');
    await client.join('sessions');
    // chat-1 dies; the client moves to chat-2 with the same token.
    await cluster.nodes[0]!.kill('SIGKILL');
    await until(
      client,
      () => client.state.kind === 'connected' && client.welcome?.instanceId === 'chat-2',
      15_000,
      'reconnect to chat-2',
    );
    expect(client.reconnects).toBe(1);
    client.close();
    await cluster.nodes[0]!.start();
  });

  it('refuses missing, malformed, unknown, expired and logged-out tokens', async () => {
    const url = cluster.nodes[1]!.url;
    expect(await handshakeOutcome(url, {})).toBe('unauthorized');
    expect(await handshakeOutcome(url, { token: 42 })).toBe('unauthorized');
    expect(await handshakeOutcome(url, { token: 'x'.repeat(43) })).toBe('unauthorized');

    const { token: expiring } = await login(url, userName('exp'), 'password-1');
    const r = cluster.redis.client();
    await r.pexpire(sessionKey(expiring), 1);
    // Redis expires keys lazily on access: once the millisecond has passed, it is gone.
    while ((await r.exists(sessionKey(expiring))) === 1) await r.ping();
    expect(await handshakeOutcome(url, { token: expiring })).toBe('unauthorized');
    r.disconnect();

    const { token } = await login(url, userName('out'), 'password-1');
    const live = await connected(rawSocket(cluster.nodes[2]!.url, { token }));
    const ended = new Promise<string>((resolve) =>
      live.on('session:ended', ({ reason }) => resolve(reason)),
    );
    const gone = new Promise<string>((resolve) =>
      live.on('disconnect', (reason) => resolve(reason)),
    );
    await logout(url, token);
    expect(await ended).toBe('logged_out');
    expect(await gone).toBe('io server disconnect');
    for (const n of cluster.nodes)
      expect(await handshakeOutcome(n.url, { token })).toBe('unauthorized');
    await expect(me(url, token)).rejects.toMatchObject({ status: 401 });
  });

  it('a session an instance has validated (and caches) is refused there at once after a logout or a kick elsewhere', async () => {
    const [a, b, c] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    // Logout on A: B and C had validated the token (no socket of it left open there).
    const out = await login(a.url, userName('cached'), 'password-1');
    for (const n of [b, c]) {
      expect(await handshakeOutcome(n.url, { token: out.token })).toBe('connected');
      expect(await handshakeOutcome(n.url, { token: out.token })).toBe('connected');
    }
    await logout(a.url, out.token);
    expect(await handshakeOutcome(b.url, { token: out.token })).toBe('unauthorized');
    expect(await handshakeOutcome(c.url, { token: out.token })).toBe('unauthorized');

    // A kick from C's admin namespace ends both sessions of the user, cached on A and B.
    const name = userName('kicked');
    const one = await login(a.url, name, 'password-1');
    const two = await login(b.url, name, 'password-1');
    for (const n of [a, b])
      for (const t of [one.token, two.token])
        expect(await handshakeOutcome(n.url, { token: t })).toBe('connected');
    await kick(c.url, name);
    for (const n of [a, b])
      for (const t of [one.token, two.token])
        expect(await handshakeOutcome(n.url, { token: t })).toBe('unauthorized');
  });

  it('a session belongs to one incarnation of its account: a deleted or re-registered account refuses the old token', async () => {
    const [a, b, c] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const name = userName('incarn');
    const { token } = await login(a.url, name, 'password-1');
    const r = cluster.redis.client();
    try {
      // The account key goes behind the server's back: no instance has validated the token.
      expect(await r.del(`chat:user:{${name}}`)).toBe(1);
      for (const n of cluster.nodes)
        expect(await handshakeOutcome(n.url, { token })).toBe('unauthorized');
      await expect(me(a.url, token)).rejects.toMatchObject({ status: 401 });

      // Registered anew (someone else, another password): the old token stays dead, also
      // on an instance that had validated (and cached) it just before.
      const first = await login(b.url, userName('incarn'), 'password-1');
      const owner = first.user.name;
      expect(await handshakeOutcome(c.url, { token: first.token })).toBe('connected');
      expect(await r.del(`chat:user:{${owner}}`)).toBe(1);
      const again = await login(a.url, owner, 'another-password');
      expect(again.created).toBe(true);
      for (const n of cluster.nodes) {
        expect(await handshakeOutcome(n.url, { token: first.token })).toBe('unauthorized');
        expect(await handshakeOutcome(n.url, { token: again.token })).toBe('connected');
      }
      await expect(me(b.url, first.token)).rejects.toMatchObject({ status: 401 });
      expect((await me(b.url, again.token)).user.name).toBe(owner);
    } finally {
      r.disconnect();
    }
  });

  it('an account stored before incarnations existed logs in, and its sessions work', async () => {
    const name = userName('legacy');
    await login(cluster.nodes[0]!.url, name, 'password-1');
    const r = cluster.redis.client();
    try {
      // The record as older versions wrote it: no `inc`.
      const stored = JSON.parse((await r.get(`chat:user:{${name}}`))!) as Record<string, unknown>;
      expect(typeof stored.inc).toBe('string');
      delete stored.inc;
      await r.set(`chat:user:{${name}}`, JSON.stringify(stored));
    } finally {
      r.disconnect();
    }
    const { token, created } = await login(cluster.nodes[1]!.url, name, 'password-1');
    expect(created).toBe(false);
    for (const n of cluster.nodes)
      expect(await handshakeOutcome(n.url, { token })).toBe('connected');
    expect((await me(cluster.nodes[2]!.url, token)).user.name).toBe(name);
  });

  it('a handshake renews the session (and its user index) only once its TTL has run down', async () => {
    const name = userName('renew');
    const { token } = await login(cluster.nodes[0]!.url, name, 'password-1');
    const key = sessionKey(token);
    const indexKey = `chat:user:{${name}}:sessions`;
    const full = 30 * 24 * 3600;
    const r = cluster.redis.client();
    await r.expire(indexKey, 1000);
    // Fresh: nothing is rewritten.
    expect(await handshakeOutcome(cluster.nodes[1]!.url, { token })).toBe('connected');
    expect(await ttl(indexKey)).toBeLessThanOrEqual(1000);
    // Run down by more than the renewal interval (5 min): the next handshake renews both.
    await r.expire(key, full - 400);
    r.disconnect();
    expect(await handshakeOutcome(cluster.nodes[2]!.url, { token })).toBe('connected');
    expect(await ttl(key)).toBeGreaterThan(full - 60);
    expect(await ttl(indexKey)).toBeGreaterThan(full - 60);
  });

  it('rate limits repeated wrong passwords per user name (429), and the right one then too', async () => {
    const name = userName('guess');
    await login(cluster.nodes[0]!.url, name, 'right-password');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const err = await login(cluster.nodes[i % 3]!.url, name, `guess-${i}`).catch(
        (e: ApiError) => e,
      );
      statuses.push((err as ApiError).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    await expect(login(cluster.nodes[0]!.url, name, 'right-password')).rejects.toMatchObject({
      status: 429,
    });
  });
});
