import { createServer, type IncomingMessage, type Server } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { Server as SocketServer } from 'socket.io';
import { io as connectIo } from 'socket.io-client';
import { dropAbandonedUpgrades } from '../../src/server/transport/upgrade-gate.js';
import { readyzUntil, useCluster } from '../helpers/cluster.js';
import { readMetric } from '../helpers/metrics.js';
import { eventually } from '../helpers/eventually.js';

/**
 * Upgrades whose client gave up before the server read them are dropped unserved (a
 * reconnect herd leaves thousands of them in a survivor's accept queue), and every other
 * upgrade is served as before.
 */
const UPGRADE = (path: string): string =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
const WS_PATH = '/socket.io/?EIO=4&transport=websocket';

const opened: net.Socket[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    opened.push(s);
    s.once('error', reject);
  });
}

/** Everything `s` receives until the server closes it. */
function readAll(s: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.once('close', () => resolve(got));
  });
}

/** A full collection, as `--expose-gc` would give it (this test process runs without it). */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** Blocks this process's event loop for `ms`, as a survivor's busy loop would. */
function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

describe('dropAbandonedUpgrades on an HTTP server', () => {
  async function gated(): Promise<{
    http: Server;
    port: number;
    served: string[];
    dropped: () => number;
  }> {
    const http = createServer();
    servers.push(http);
    const served: string[] = [];
    http.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      served.push(req.url ?? '');
      socket.end(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      );
    });
    let dropped = 0;
    dropAbandonedUpgrades(http, () => dropped++);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const a = http.address();
    if (typeof a !== 'object' || !a) throw new Error('no address');
    return { http, port: a.port, served, dropped: () => dropped };
  }

  it('serves an upgrade whose client is still there', async () => {
    const g = await gated();
    const s = await connect(g.port);
    const answer = readAll(s);
    s.write(UPGRADE('/live'));
    expect(await answer).toMatch(/^HTTP\/1\.1 101 /);
    expect(g.served).toEqual(['/live']);
    expect(g.dropped()).toBe(0);
  });

  it('drops an upgrade whose client closed before the server read it, and serves the next', async () => {
    const g = await gated();
    const gone = await connect(g.port);
    // The request and the close are both in the server's socket before it reads either.
    gone.end(UPGRADE('/gone'));
    busy(100);
    const live = await connect(g.port);
    const answer = readAll(live);
    live.write(UPGRADE('/live'));
    expect(await answer).toMatch(/^HTTP\/1\.1 101 /);
    await eventually(() => expect(g.dropped()).toBe(1), { what: 'the drop counted' });
    expect(g.served).toEqual(['/live']);
  });

  it('survives a client that resets its connection while its upgrade waits', async () => {
    const g = await gated();
    const reset = await connect(g.port);
    reset.on('error', () => undefined);
    // The reset comes once the server has read the request, while the upgrade waits: the read
    // that finds it fails with ECONNRESET, an uncaught error (failing this test) unless the
    // gate listens for it.
    g.http.on('upgrade', (req: IncomingMessage) => {
      if (req.url === '/reset') reset.resetAndDestroy();
    });
    reset.write(UPGRADE('/reset'));
    await eventually(() => expect(g.dropped()).toBe(1), { what: 'the drop counted' });
    const live = await connect(g.port);
    const answer = readAll(live);
    live.write(UPGRADE('/live'));
    expect(await answer).toMatch(/^HTTP\/1\.1 101 /);
    expect(g.served).toEqual(['/live']);
  });
});

describe("a served upgrade's request", () => {
  it('is not kept once the connection is open and Socket.IO has let go of it (its memory advice)', async () => {
    const http = createServer();
    servers.push(http);
    const io = new SocketServer(http, { transports: ['websocket'] });
    dropAbandonedUpgrades(http, () => undefined);
    let request: WeakRef<IncomingMessage> | undefined;
    io.engine.on('connection', (conn: { request: IncomingMessage | null }) => {
      request = new WeakRef(conn.request!);
      conn.request = null;
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const { port } = http.address() as net.AddressInfo;
    const client = connectIo(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      forceNew: true,
    });
    try {
      await new Promise<void>((r) => client.once('connect', () => r()));
      expect(request?.deref()).toBeDefined();
      // Engine.IO's response object for the upgrade listened for the socket's close and kept
      // the request for the connection's life; the gate takes that listener off.
      await eventually(
        () => {
          collectGarbage();
          expect(request?.deref()).toBeUndefined();
        },
        { what: 'the request collected', timeoutMs: 5000 },
      );
      // The connection still works, and its socket's close is still seen (ws's own listeners).
      const [server] = io.of('/').sockets.values();
      const echoed = new Promise<string>((r) => client.once('echo', r));
      server!.emit('echo', 'still here');
      expect(await echoed).toBe('still here');
      const closed = new Promise<string>((r) => server!.once('disconnect', r));
      client.io.engine.close();
      expect(await closed).toBe('transport close');
    } finally {
      client.close();
      await io.close();
    }
  });
});

describe('an instance under a herd of abandoned upgrades', () => {
  const fixture = useCluster(1, {}, 'single');

  const abandoned = (url: string): Promise<number> =>
    readMetric(url, 'chat_upgrades_abandoned_total');

  it('drops the upgrades of clients that left while it was stalled, and opens the live ones', async () => {
    const node = fixture.nodes[0]!;
    const before = await abandoned(node.url);
    expect(before).toBe(0);
    const GONE = 50;
    process.kill(node.pid, 'SIGSTOP');
    let live: net.Socket;
    let answer: Promise<string>;
    try {
      // Each gives up before the stalled instance reads its request, as a herd's clients do.
      for (let i = 0; i < GONE; i++) (await connect(node.port)).end(UPGRADE(WS_PATH));
      live = await connect(node.port);
      answer = new Promise((resolve) => {
        let got = '';
        live.on('data', (d: Buffer) => {
          got += d.toString('latin1');
          // The 101, then Engine.IO's open packet in a WebSocket frame.
          if (got.includes('"sid"')) resolve(got);
        });
      });
      live.write(UPGRADE(WS_PATH));
    } finally {
      process.kill(node.pid, 'SIGCONT');
    }
    expect(await answer).toMatch(/^HTTP\/1\.1 101 /);
    await eventually(async () => expect(await abandoned(node.url)).toBe(GONE), {
      what: `${GONE} abandoned upgrades counted`,
    });
    await readyzUntil(node.url, 200, 15_000);
  });
});
