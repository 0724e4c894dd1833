import { createHash } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { FrameSocket } from '../../src/admin/loadtest/websocket.js';

/** The load tester's own WebSocket client against `ws`'s server (and a raw TCP one). */

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Newest first: clients go before the servers that wait for them.
  for (const c of closers.splice(0).reverse()) await c();
});

async function wsServer(): Promise<{ url: URL; next: () => Promise<WebSocket> }> {
  const http: HttpServer = createServer();
  const wss = new WebSocketServer({ server: http });
  const waiting: ((ws: WebSocket) => void)[] = [];
  const ready: WebSocket[] = [];
  wss.on('connection', (ws) => {
    const w = waiting.shift();
    if (w) w(ws);
    else ready.push(ws);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  closers.push(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => http.close(() => r())));
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`),
    next: () => {
      const ws = ready.shift();
      return ws ? Promise.resolve(ws) : new Promise((r) => waiting.push(r));
    },
  };
}

/** A client whose messages and close reason are collected; `opened` resolves on the upgrade. */
function client(url: URL) {
  const got: string[] = [];
  let onMsg: (() => void) | undefined;
  let opened!: () => void;
  let closedWith!: (r: string) => void;
  const open = new Promise<void>((r) => (opened = r));
  const closed = new Promise<string>((r) => (closedWith = r));
  const sock = new FrameSocket(url, {
    open: () => opened(),
    message: (t) => {
      got.push(t);
      onMsg?.();
    },
    closed: (r) => closedWith(r),
  });
  closers.push(() => Promise.resolve(sock.terminate()));
  const messages = (n: number): Promise<string[]> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (got.length >= n) resolve(got.slice(0, n));
      };
      onMsg = check;
      check();
    });
  return { sock, open, closed, messages };
}

describe('the load tester WebSocket client', () => {
  it('exchanges text of every frame length both ways, and answers pings', async () => {
    const srv = await wsServer();
    const c = client(srv.url);
    const ws = await srv.next();
    await c.open;
    const texts = ['0', 'é'.repeat(100), '€'.repeat(30_000), 'x'.repeat(70_000), '{"a":[1]}'];
    for (const t of texts) ws.send(t);
    expect(await c.messages(texts.length)).toEqual(texts);

    const received: string[] = [];
    const allIn = new Promise<void>((r) =>
      ws.on('message', (d: Buffer) => {
        received.push(d.toString());
        if (received.length === texts.length) r();
      }),
    );
    for (const t of texts) c.sock.send(t);
    await allIn;
    expect(received).toEqual(texts);

    const pong = new Promise<string>((r) => ws.once('pong', (d: Buffer) => r(d.toString())));
    ws.ping('are you there');
    expect(await pong).toBe('are you there');

    // A fragmented message arrives whole.
    ws.send('frag', { fin: false });
    ws.send('mented', { fin: true });
    expect((await c.messages(texts.length + 1)).at(-1)).toBe('fragmented');
  });

  it('ends with a reason when the server closes, sends binary, or refuses the upgrade', async () => {
    const srv = await wsServer();
    const a = client(srv.url);
    (await srv.next()).close(1001);
    expect(await a.closed).toBe('transport close');

    const b = client(srv.url);
    (await srv.next()).send(Buffer.from([1, 2, 3]));
    expect(await b.closed).toMatch(/binary/);

    const http = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => http.close(() => r())));
    const { port } = http.address() as AddressInfo;
    const refused = client(new URL(`ws://127.0.0.1:${port}/socket.io/`));
    expect(await refused.closed).toBe('Unexpected server response: 503');
  });

  it('reads frames split across reads and several frames in one read', async () => {
    const frames = ['first', 'second '.repeat(40), 'third'].map((t) => {
      const p = Buffer.from(t);
      const head = p.length < 126 ? Buffer.from([0x81, p.length]) : Buffer.from([0x81, 126, 0, 0]);
      if (p.length >= 126) head.writeUInt16BE(p.length, 2);
      return Buffer.concat([head, p]);
    });
    const server = net.createServer((sock) => {
      let req = '';
      sock.on('data', (d: Buffer) => {
        req += d.toString('latin1');
        if (!req.includes('\r\n\r\n')) return;
        const key = /Sec-WebSocket-Key: (\S+)/.exec(req)![1]!;
        const accept = createHash('sha1')
          .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
          .digest('base64');
        const all = Buffer.concat([
          Buffer.from(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
          ),
          ...frames,
        ]);
        // Odd-sized pieces, each its own write: frames and the handshake are cut anywhere.
        const pieces: Buffer[] = [];
        for (let i = 0; i < all.length; i += 7) pieces.push(all.subarray(i, i + 7));
        const write = (): void => {
          const p = pieces.shift();
          if (p) sock.write(p, () => setImmediate(write));
        };
        write();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise((r) => {
          server.close(() => r());
        }),
    );
    const { port } = server.address() as AddressInfo;
    const c = client(new URL(`ws://127.0.0.1:${port}/`));
    expect(await c.messages(3)).toEqual(['first', 'second '.repeat(40), 'third']);
  });
});
