import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../src/admin/status-document.js';
import type { RestartOutcome } from '../../src/admin/restart.js';
import { login } from '../../src/client/api.js';
import { ChatClient, type ConnectionState } from '../../src/client/chat-client.js';
import { LocalCluster } from '../admin/local-cluster.js';
import { runAdmin } from '../admin/run-admin.js';
import { until } from '../helpers/cluster.js';
import { forgedLogins, loginStatus } from '../helpers/forged-login.js';
import { killAll } from '../helpers/processes.js';
import { rawSocket, type RawSocket } from '../helpers/raw.js';

/** What `chat-server start` is run with here: a drain as in production, short enough to test. */
const GRACE_MS = 3000;
const SPREAD_MS = 1000;
const LOGIN_LIMIT = 30;

let cluster: LocalCluster;
const closers: (() => void)[] = [];
const tokens: string[] = [];

beforeAll(async () => {
  cluster = await LocalCluster.start(3, {
    CHAT_DRAIN_GRACE_MS: String(GRACE_MS),
    CHAT_DRAIN_SPREAD_MS: String(SPREAD_MS),
    CHAT_LOGIN_PER_IP_PER_MIN: String(LOGIN_LIMIT),
  });
  for (let i = 0; i < 3; i++)
    tokens.push((await login(cluster.url, `ops${i}`, 'password-1')).token);
}, 60_000);

afterAll(async () => {
  for (const c of closers) c();
  await cluster?.stop();
  await killAll();
});

const adminEnv = (): Record<string, string> => ({ CHAT_STATE_DIR: cluster.stateDir });

async function status(server = cluster.url): Promise<StatusDocument> {
  const r = await runAdmin(['--server', server, 'status', '--json'], adminEnv());
  if (r.code !== 0) throw new Error(`status exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusDocument;
}

/** A raw socket through the public port that records what happens to it, and when. */
interface Watched {
  socket: RawSocket;
  instanceId?: string;
  drainingAt?: number;
  drain?: { instanceId: string; reason: string; reconnectWithinMs: number };
  closedAt?: number;
  closeReason?: string;
  closed: Promise<void>;
}

function watch(token: string): Promise<Watched> {
  const socket = rawSocket(cluster.url, { token });
  closers.push(() => socket.close());
  const w: Watched = {
    socket,
    closed: new Promise((resolve) =>
      socket.once('disconnect', (reason) => {
        w.closedAt = Date.now();
        w.closeReason = reason;
        resolve();
      }),
    ),
  };
  socket.on('server:draining', (d) => {
    w.drainingAt = Date.now();
    w.drain = d;
  });
  return new Promise((resolve, reject) => {
    socket.once('session:welcome', (welcome) => {
      w.instanceId = welcome.instanceId;
      resolve(w);
    });
    socket.once('connect_error', reject);
  });
}

/** ChatClients that move when told, with every state and status line they report. */
function movers(
  n: number,
): Promise<{ client: ChatClient; states: ConnectionState[]; lines: string[] }[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const client = new ChatClient({
        servers: [cluster.url],
        token: tokens[i % tokens.length]!,
        pingEveryMs: 0,
      });
      closers.push(() => client.close());
      const states: ConnectionState[] = [];
      const lines: string[] = [];
      client.on('state', (s) => states.push(s));
      client.on('status', (line) => lines.push(line));
      await client.connect();
      return { client, states, lines };
    }),
  );
}

describe('chat-server start, driven through its public port', () => {
  it('a supervised drain tells every client to move, spreads them, and closes only after the grace', async () => {
    const raw = await Promise.all(Array.from({ length: 9 }, (_, i) => watch(tokens[i % 3]!)));
    const moving = await movers(9);
    const onVictim = raw.filter((w) => w.instanceId === 'chat-2');
    const moversOnVictim = moving.filter((m) => m.client.welcome?.instanceId === 'chat-2');
    expect(onVictim.length).toBeGreaterThanOrEqual(2);
    expect(moversOnVictim.length).toBeGreaterThanOrEqual(2);

    const t0 = Date.now();
    const r = await runAdmin(['--server', cluster.url, 'restart', 'chat-2'], adminEnv());
    expect(r.code, r.stderr).toBe(0);
    await Promise.all(onVictim.map((w) => w.closed));

    // Every client of chat-2 heard the notice before its connection closed...
    for (const w of onVictim) {
      expect(w.drain).toEqual({
        instanceId: 'chat-2',
        reason: 'restart',
        reconnectWithinMs: SPREAD_MS,
      });
      expect(w.drainingAt!).toBeLessThan(w.closedAt!);
      // ...and one that did not move was closed only when the grace was over.
      expect(w.closedAt! - w.drainingAt!).toBeGreaterThanOrEqual(GRACE_MS - 100);
      expect(w.closeReason).toBe('io server disconnect');
    }
    // Nobody else was told anything.
    for (const w of raw.filter((x) => x.instanceId !== 'chat-2')) expect(w.drain).toBeUndefined();

    // The clients that move do so at a random moment within the window, and say they moved.
    const waits: number[] = [];
    for (const m of moversOnVictim) {
      await until(m.client, () => m.lines.length > 0, 10_000, 'a status line after the move');
      const planned = m.states.find((s) => s.kind === 'reconnecting');
      expect(planned).toMatchObject({ kind: 'reconnecting', reason: 'chat-2 is restarting' });
      if (planned?.kind === 'reconnecting') waits.push(planned.inMs);
      expect(m.lines[0]).toMatch(
        /^chat-2 is restarting; (moved to chat-[13]|back on chat-2 \(restarted\)); \d+ missed/,
      );
      expect(m.lines.join('\n')).not.toMatch(/went away/);
      expect(m.client.welcome?.instanceId).not.toBe('chat-2');
    }
    for (const w of waits) expect(w).toBeLessThan(SPREAD_MS);
    expect(new Set(waits).size).toBe(waits.length); // jittered, not all at once
    console.log(
      `restart chat-2 (${Date.now() - t0} ms): ${onVictim.length} raw clients told to move, closed ` +
        `${onVictim.map((w) => w.closedAt! - w.drainingAt!).join('/')} ms after the notice; ` +
        `${moversOnVictim.length} movers waited ${waits.join('/')} ms and moved`,
    );
    for (const w of raw) w.socket.close();
    for (const m of moving) m.client.close();
  }, 60_000);

  it('restart --all, through the public port and through one instance`s own port: every instance on a new boot id', async () => {
    const moving = await movers(6);
    for (const server of ['public', 'instance']) {
      const before = await status();
      const via =
        server === 'public'
          ? cluster.url
          : `http://127.0.0.1:${before.instances.find((i) => i.id === 'chat-1')!.port}`;
      const t0 = Date.now();
      // The state directory's token goes only to the URL recorded beside it; an instance's
      // own port is another address, so the token is given explicitly there.
      const token =
        server === 'public'
          ? []
          : ['--token', readFileSync(path.join(cluster.stateDir, 'admin-token'), 'utf8').trim()];
      const r = await runAdmin(
        ['--server', via, ...token, 'restart', '--all', '--json'],
        adminEnv(),
      );
      // What the supervisor said meanwhile (instances started again) goes with a failure.
      expect(
        r.code,
        `${r.stderr}\n--- chat-server start:\n${cluster.out.slice(-12).join('\n')}`,
      ).toBe(0);
      const { restarted } = JSON.parse(r.stdout) as { restarted: RestartOutcome[] };
      expect(restarted.map((x) => x.instanceId).sort()).toEqual(['chat-1', 'chat-2', 'chat-3']);
      // Never all at once: the progress shows at most two draining before one is back.
      expect(r.stderr).toMatch(/at most 2 at a time/);
      const after = await status();
      for (const inst of before.instances) {
        const now = after.instances.find((i) => i.id === inst.id)!;
        expect(now.bootId).not.toBe(inst.bootId);
        expect(restarted.find((x) => x.instanceId === inst.id)?.newBootId).toBe(now.bootId);
      }
      console.log(
        `restart --all via the ${server} port (${via}): exit 0 in ${Date.now() - t0} ms; ` +
          restarted.map((x) => `${x.instanceId} ${x.oldBootId}->${x.newBootId}`).join(', '),
      );
    }
    for (const m of moving) await until(m.client, () => m.client.connected, 20_000, 'back');
    for (const m of moving) m.client.close();
  }, 120_000);

  it('a connection kept alive after one request does not carry the next to the wrong instance', async () => {
    /** One HTTP request through the public port: status, body, instance, Connection header. */
    const ask = (
      agent: http.Agent | false,
      method: string,
      pathAndQuery: string,
      body?: string,
    ): Promise<{ status: number; body: string; instance: string; connection: string }> =>
      new Promise((resolve, reject) => {
        const req = http.request(`${cluster.url}${pathAndQuery}`, { method, agent }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              body: text,
              instance: String(res.headers['x-chat-instance'] ?? ''),
              connection: String(res.headers.connection ?? ''),
            }),
          );
        });
        req.on('error', reject);
        req.end(body);
      });
    // A client that keeps its connection (fetch, a browser): its first request lands on X.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await ask(agent, 'GET', '/healthz');
      expect(first.status).toBe(200);
      expect(first.connection).toBe('close');
      // A long-polling session of another instance.
      let sid: string | undefined;
      for (let i = 0; i < 30 && !sid; i++) {
        const open = await ask(false, 'GET', '/socket.io/?EIO=4&transport=polling');
        const id = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
        if (!id.startsWith(`${first.instance}.`)) sid = id;
      }
      expect(sid, 'a session of another instance').toBeDefined();
      // Sent on the same agent: a new connection, routed by its session, is answered.
      const sent = await ask(
        agent,
        'POST',
        `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid!)}`,
        '6',
      );
      expect(sent).toMatchObject({ status: 200, body: 'ok' });
    } finally {
      agent.destroy();
    }
  });

  it('a forged X-Forwarded-For gets no extra login attempts', async () => {
    const statuses = await forgedLogins(cluster.url, '127.0.0.2', LOGIN_LIMIT + 3, 'forger');
    expect(statuses.slice(0, LOGIN_LIMIT).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(LOGIN_LIMIT)).toEqual([429, 429, 429]);
    expect(await loginStatus(cluster.url, { from: '127.0.0.3', username: 'honest' })).toBe(200);
  });
});

describe('the public port before a connection has said anything', () => {
  it('caps silent connections per address and closes them after the header timeout', async () => {
    const front = await LocalCluster.start(1, {
      CHAT_UNAUTH_CONN_PER_IP: '20',
      CHAT_HEADERS_TIMEOUT_MS: '3000',
    });
    try {
      const { hostname, port } = new URL(front.url);
      // From an address of their own, so the cap they fill is theirs alone.
      const closedOrder: number[] = [];
      const closed = Array.from({ length: 25 }, (_, i) => {
        const s = net.connect({ host: hostname, port: Number(port), localAddress: '127.0.0.5' });
        return new Promise<void>((resolve) =>
          s
            .on('error', () => undefined)
            .on('close', () => {
              closedOrder.push(i);
              resolve();
            }),
        );
      });
      // One at a time would be slower but no clearer: they connect in order on loopback.
      await Promise.all(closed);
      // Past the cap, closed at once; the first 20 waited out the timeout.
      expect([...closedOrder.slice(0, 5)].sort((x, y) => x - y)).toEqual([20, 21, 22, 23, 24]);
      expect(closedOrder).toHaveLength(25);
      // The address's count went back to zero: it is served again.
      const status = await new Promise<number>((resolve, reject) => {
        http
          .get(`${front.url}/healthz`, { localAddress: '127.0.0.5' }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      await front.stop();
    }
  });
});
