import { createServer, type Server as HttpServer } from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';

/**
 * What the server relies on of its libraries beyond their typed surface, pinned so that an
 * upgrade that changes it fails here rather than in production. Each names its user in src/.
 */

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function pair(): Promise<{ server: ServerSocket; client: ClientSocket }> {
  const http: HttpServer = createServer();
  const io = new Server(http, { transports: ['websocket'] });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as net.AddressInfo;
  const server = new Promise<ServerSocket>((r) => io.once('connection', r));
  const client = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
  closers.push(() => {
    client.close();
    void io.close();
  });
  return { server: await server, client };
}

describe('library surface the server relies on', () => {
  it("engine.io: a connection's id (documented, typed private) is the sid the client was given (transport/conn-guard.ts)", async () => {
    const { server, client } = await pair();
    await new Promise<void>((r) => (client.connected ? r() : client.once('connect', () => r())));
    const sid = (server.conn as unknown as { id: unknown }).id;
    expect(typeof sid).toBe('string');
    expect(sid).toBe(client.io.engine.id);
  });

  it('engine.io: packets are announced (packetCreate), handed over (drain), and the transport says whether it can take more (slow-consumers.ts)', async () => {
    const { server } = await pair();
    const events: string[] = [];
    server.conn.on('packetCreate', () => events.push('packetCreate'));
    server.conn.on('drain', () => events.push('drain'));
    expect(typeof server.conn.transport.writable).toBe('boolean');
    server.emit('hello', 1);
    expect(events).toEqual(['packetCreate', 'drain']);
  });

  it("engine.io and ws: a WebSocket connection's queue, its ws and the socket under it, as room-frames.ts reads them", async () => {
    const { server } = await pair();
    const conn = server.conn as unknown as {
      writeBuffer: unknown[];
      transport: { name: string; socket: { readyState: number; _socket: unknown } };
    };
    expect(conn.transport.name).toBe('websocket');
    expect(conn.writeBuffer).toEqual([]);
    expect(conn.transport.socket.readyState).toBe(1); // ws's OPEN
    const raw = conn.transport.socket._socket;
    expect(raw).toBeInstanceOf(net.Socket);
    expect((raw as net.Socket).writableLength).toBe(0);
  });

  it("node: a socket's handle can stop reading (supervisor.ts hands sockets over without losing bytes)", async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
    const c = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
    const s = await accepted;
    closers.push(() => {
      c.destroy();
      s.destroy();
      srv.close();
    });
    const handle = (s as unknown as { _handle?: { readStop?: unknown } })._handle;
    expect(typeof handle?.readStop).toBe('function');
  });
});
