import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { ChatClient } from '../../src/client/chat-client.js';
import { login } from '../../src/client/api.js';
import { startInstances, userName, type TestInstance } from '../helpers/cluster.js';
import { killAll } from '../helpers/processes.js';
import { handshakeOutcome } from '../helpers/raw.js';
import { TestRedis } from '../helpers/redis.js';

let node: TestInstance;
const clients: ChatClient[] = [];
const socks: net.Socket[] = [];

// 5 unauthenticated connections per address; headers within 1 s, whole requests within 2 s.
beforeAll(async () => {
  const redis = await TestRedis.start();
  [node] = (await startInstances(1, redis.url, {
    CHAT_UNAUTH_CONN_PER_IP: '5',
    CHAT_HEADERS_TIMEOUT_MS: '1000',
    CHAT_REQUEST_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'debug',
  })) as [TestInstance];
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of socks) s.destroy();
  await killAll();
});

/** Opens a connection from `from` that sends part of an upgrade request; resolves on connect. */
function partialUpgrade(from: string): Promise<{ closedAfterMs: Promise<number> }> {
  const t0 = performance.now();
  const sock = net.connect({ port: node.port, host: '127.0.0.1', localAddress: from });
  socks.push(sock);
  sock.on('error', () => undefined);
  // Read (and drop) what the server answers: a socket nobody reads never sees its end.
  sock.resume();
  const closedAfterMs = new Promise<number>((r) =>
    sock.once('close', () => r(performance.now() - t0)),
  );
  return new Promise((resolve) =>
    sock.once('connect', () => {
      sock.write(
        'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n',
      );
      resolve({ closedAfterMs });
    }),
  );
}

describe('slow and piled-up connections are bounded', () => {
  it('half-sent headers are closed within seconds; past the per-address cap they are refused at once', async () => {
    // Logins first (scrypt takes a while under load): the attempts below must fall inside the
    // second the held connections are kept, or the cap would rightly have nothing to count.
    const user = userName('calm');
    const { token: calmToken } = await login(node.url, user, 'password-1');
    const { token } = await login(node.url, 'from-two', 'password-1');
    const held = await Promise.all(Array.from({ length: 8 }, () => partialUpgrade('127.0.0.2')));
    let closedSoFar = 0;
    for (const h of held) void h.closedAfterMs.then(() => closedSoFar++);
    // Meanwhile a client from another address connects and chats as usual...
    const client = new ChatClient({ servers: [node.url], token: calmToken, pingEveryMs: 0 });
    clients.push(client);
    await client.connect();
    expect(client.state.kind).toBe('connected');
    // ...while one more from the piling address is refused (engine.io-client hands
    // `localAddress` to ws; its option types do not list it).
    const extra = io(node.url, {
      transports: ['websocket'],
      auth: { token },
      reconnection: false,
      forceNew: true,
      ...({ localAddress: '127.0.0.2' } as object),
    });
    const extraOutcome = await new Promise<string>((resolve) => {
      extra.once('connect', () => resolve('connected'));
      extra.once('connect_error', () => resolve('refused'));
    });
    extra.close();
    // The five within the cap were all still held when the extra one came.
    const heldThen = 8 - closedSoFar;
    const closed = (await Promise.all(held.map((h) => h.closedAfterMs))).sort((a, b) => a - b);
    console.log(`partial-header connections closed after ${closed.map(Math.round).join(', ')} ms`);
    expect(closed.slice(0, 3).every((ms) => ms < 500)).toBe(true);
    expect(closed.slice(3).every((ms) => ms >= 900 && ms < 3500)).toBe(true);
    expect(heldThen).toBeGreaterThanOrEqual(5);
    expect(extraOutcome).toBe('refused');
  }, 15_000);

  it('the cap counts only unauthenticated connections: one address may hold many sessions', async () => {
    const { token } = await login(node.url, 'many-tabs', 'password-1');
    for (let i = 0; i < 10; i++) {
      const c = new ChatClient({ servers: [node.url], token, pingEveryMs: 0 });
      clients.push(c);
      await c.connect();
    }
    expect(clients.filter((c) => c.state.kind === 'connected').length).toBeGreaterThanOrEqual(10);
    // The gauge of connected sockets (read at the scrape) counts every client of this file.
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^chat_connections\\{[^}]*\\} ${clients.length}$`, 'm'));
    expect(await handshakeOutcome(node.url, { token })).toBe('connected');
  });

  it('a request body dribbled slower than the request timeout is answered 408 and closed', async () => {
    const sock = net.connect({ port: node.port, host: '127.0.0.1', localAddress: '127.0.0.3' });
    socks.push(sock);
    const t0 = performance.now();
    let answer = '';
    sock.on('data', (d: Buffer) => (answer += d.toString()));
    sock.write(
      'POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user',
    );
    const ms = await new Promise<number>((r) =>
      sock.once('close', () => r(performance.now() - t0)),
    );
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(ms).toBeLessThan(4000);
    // A body cut short (here by the timeout; below by the client going) is ordinary: a debug
    // line, not an error with a stack.
    const cut = (): Record<string, unknown>[] =>
      node.log.lines.filter((l) => l.msg === 'request body cut short');
    await node.log.waitCount((l) => l.msg === 'request body cut short', 1);
    const gone = net.connect({ port: node.port, host: '127.0.0.1', localAddress: '127.0.0.4' });
    socks.push(gone);
    gone.on('error', () => undefined);
    await new Promise<void>((r) => gone.once('connect', () => r()));
    // `100 Continue` says the request is in the server's hands (Node sends it as it passes the
    // request on): the client goes after that, partway through its body.
    const continued = new Promise<void>((r) =>
      gone.on('data', (d: Buffer) => {
        if (d.toString().startsWith('HTTP/1.1 100')) r();
      }),
    );
    gone.write(
      'POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n',
    );
    await continued;
    gone.write('{"us');
    gone.destroy();
    await node.log.waitCount((l) => l.msg === 'request body cut short', 2);
    expect(cut()).toHaveLength(2);
    expect(node.log.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});
