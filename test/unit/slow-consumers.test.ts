import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SlowConsumers } from '../../src/server/ops/slow-consumers.js';
import type { ChatServer, ChatSocket } from '../../src/server/transport/io-types.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function pair(): Promise<{ io: ChatServer; server: ChatSocket; client: ClientSocket }> {
  const http = createServer();
  const io: ChatServer = new Server(http, { transports: ['websocket'] });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  const server = new Promise<ChatSocket>((r) => io.once('connection', r));
  const client = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
  closers.push(() => {
    client.close();
    void io.close();
  });
  const s = await server;
  s.data = { user: 'alice', sessionHash: 'h', since: 0 };
  return { io, server: s, client };
}

describe('slow consumers', () => {
  it('watches a connection whose transport is busy without adding a close listener, and forgets it at the next beat once it has closed', async () => {
    const { io, server } = await pair();
    const slow = new SlowConsumers(io, 1000, pino({ level: 'silent' }));
    const closeListeners = server.conn.listenerCount('close');
    // A packet handed to the transport makes it unwritable until the write is done.
    server.emit('session:welcome', {
      user: 'alice',
      instanceId: 'i',
      bootId: 'b',
      serverTime: 0,
      pingIntervalMs: 1,
    });
    expect(server.conn.transport.writable).toBe(false);
    slow.check();
    expect(slow.watched).toBe(1);
    expect(server.conn.listenerCount('close')).toBe(closeListeners);
    const closed = new Promise((r) => server.conn.once('close', r));
    server.conn.close();
    await closed;
    slow.check();
    expect(slow.watched).toBe(0);
    expect(server.conn.listenerCount('drain')).toBe(0);
    expect(server.conn.listenerCount('packetCreate')).toBe(0);
  });

  it('looks at a fifth of the sockets each beat, so each one every five beats', async () => {
    const http = createServer();
    const io: ChatServer = new Server(http, { transports: ['websocket'] });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const { port } = http.address() as AddressInfo;
    const servers: ChatSocket[] = [];
    const all = new Promise<void>((r) =>
      io.on('connection', (s: ChatSocket) => {
        s.data = { user: `u${servers.length}`, sessionHash: 'h', since: 0 };
        if (servers.push(s) === 10) r();
      }),
    );
    const clients = Array.from({ length: 10 }, () =>
      connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true }),
    );
    closers.push(() => {
      for (const c of clients) c.close();
      void io.close();
    });
    await all;
    const slow = new SlowConsumers(io, 1000, pino({ level: 'silent' }));
    const lookedAt = new Map<ChatSocket, number>();
    const draining = { instanceId: 'i', reason: 'shutdown', reconnectWithinMs: 1 } as const;
    for (let beat = 0; beat < 5; beat++) {
      // Every transport busy at this beat; the look finds only the ones in its share.
      for (const s of servers) s.emit('server:draining', draining);
      slow.check();
      expect(slow.watched).toBe(2);
      for (const s of servers)
        if (s.conn.listenerCount('packetCreate') > 0) lookedAt.set(s, (lookedAt.get(s) ?? 0) + 1);
      // Queued while the writes are under way, handed over (drain) once they are done.
      const drained = servers.map((s) => new Promise((r) => s.conn.once('drain', r)));
      for (const s of servers) s.emit('server:draining', draining);
      await Promise.all(drained);
      expect(slow.watched).toBe(0);
    }
    expect([...lookedAt.values()]).toEqual(Array.from({ length: 10 }, () => 1));
  });

  it('stops watching once the transport has taken the packets queued since (drain)', async () => {
    const { io, server } = await pair();
    const slow = new SlowConsumers(io, 1000, pino({ level: 'silent' }));
    const welcome = {
      user: 'alice',
      instanceId: 'i',
      bootId: 'b',
      serverTime: 0,
      pingIntervalMs: 1,
    };
    server.emit('session:welcome', welcome);
    slow.check();
    expect(slow.watched).toBe(1);
    // Queued while the first write is under way; handed over (drain) once it is done.
    const drained = new Promise((r) => server.conn.once('drain', r));
    server.emit('session:welcome', welcome);
    await drained;
    expect(slow.watched).toBe(0);
  });
});
