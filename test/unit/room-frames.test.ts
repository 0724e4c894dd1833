import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/protocol/index.js';
import type { ChatServer, ChatSocket } from '../../src/server/transport/io-types.js';
import { emitToLocalRoom } from '../../src/server/transport/room-frames.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

type Transport = 'websocket' | 'polling';

async function server(): Promise<{ io: ChatServer; url: string }> {
  const http = createServer();
  const io: ChatServer = new Server(http, { transports: ['websocket', 'polling'] });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  closers.push(() => void io.close());
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

/** A client connected over `transport`, its server-side socket in `room`. */
async function member(
  io: ChatServer,
  url: string,
  room: string | null,
  transport: Transport = 'websocket',
): Promise<{ client: ClientSocket; socket: ChatSocket; got: ChatMessage[] }> {
  const accepted = new Promise<ChatSocket>((r) => io.once('connection', r));
  const client = connect(url, { transports: [transport], forceNew: true, upgrade: false });
  closers.push(() => client.close());
  const got: ChatMessage[] = [];
  client.on('message:created', (m: ChatMessage) => got.push(m));
  const socket = await accepted;
  await new Promise<void>((r) => (client.connected ? r() : client.once('connect', () => r())));
  if (room) await socket.join(room);
  return { client, socket, got };
}

function message(seq: number, text = `m${seq}`): ChatMessage {
  return { id: `1700000000000-${seq}`, seq, room: 'r', from: 'ann', text, ts: 1, kind: 'text' };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`never: ${what}`);
}

describe('emitToLocalRoom', () => {
  it("reaches the room's members, over WebSocket and polling, as Socket.IO's own emit does, and no one else", async () => {
    const { io, url } = await server();
    const a = await member(io, url, '#r');
    const b = await member(io, url, '#r', 'polling');
    const outside = await member(io, url, '#other');
    const m = { ...message(1, 'héllo "quoted" ✓'), clientMsgId: 'c1', epoch: 'e' };
    expect(emitToLocalRoom(io, '#r', 'message:created', m)).toBe(2);
    io.to('#r').emit('message:created', message(2));
    await until(() => a.got.length === 2 && b.got.length === 2, 'both delivered');
    expect(a.got).toEqual([m, message(2)]);
    expect(b.got).toEqual([m, message(2)]);
    expect(emitToLocalRoom(io, '#nobody', 'message:created', m)).toBe(0);
    // What outside did receive shows it was listening.
    io.to('#other').emit('message:created', message(3));
    await until(() => outside.got.length > 0, 'outside got its own');
    expect(outside.got).toEqual([message(3)]);
  });

  it('writes straight to an idle WebSocket, and queues behind Engine.IO when a packet is still being handed over', async () => {
    const { io, url } = await server();
    const a = await member(io, url, '#r');
    const created: unknown[] = [];
    a.socket.conn.on('packetCreate', (p: unknown) => created.push(p));
    emitToLocalRoom(io, '#r', 'message:created', message(1));
    expect(created).toHaveLength(0); // written to the socket: no Engine.IO packet
    io.to('#r').emit('message:created', message(2)); // Engine.IO's path: busy until written
    expect(a.socket.conn.transport.writable).toBe(false);
    emitToLocalRoom(io, '#r', 'message:created', message(3));
    expect(created).toHaveLength(2); // queued behind #2
    await until(() => a.got.length === 3, 'all three');
    expect(a.got.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('keeps one order when its frames and Engine.IO packets interleave', async () => {
    const { io, url } = await server();
    const a = await member(io, url, '#r');
    const n = 600;
    for (let seq = 1; seq <= n; seq++) {
      if (seq % 3 === 0) io.to('#r').emit('message:created', message(seq));
      else emitToLocalRoom(io, '#r', 'message:created', message(seq));
      if (seq % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => a.got.length === n, `${n} delivered`);
    expect(a.got.map((m) => m.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it("hands a reader that stopped reading to Engine.IO's flow control, which the slow-consumer watch reads, and loses nothing", async () => {
    const { io, url } = await server();
    const a = await member(io, url, '#r');
    const raw = (
      a.client.io.engine.transport as unknown as {
        ws: { _socket: { pause(): void; resume(): void } };
      }
    ).ws._socket;
    raw.pause();
    const text = 'x'.repeat(16 * 1024);
    let sent = 0;
    // The kernel's buffers fill; then a write leaves bytes unsent and the next frame goes
    // through Engine.IO, whose transport stays busy while the reader does not read.
    while (a.socket.conn.transport.writable && sent < 10_000) {
      emitToLocalRoom(io, '#r', 'message:created', message(++sent, text));
      if (sent % 16 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(a.socket.conn.transport.writable).toBe(false);
    for (let i = 0; i < 20; i++)
      emitToLocalRoom(io, '#r', 'message:created', message(++sent, text));
    raw.resume();
    await until(() => a.got.length === sent, `${sent} delivered`);
    expect(a.got.map((m) => m.seq)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
  });
});
