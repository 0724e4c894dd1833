import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import {
  ADMIN_NAMESPACE,
  ErrorCode,
  fail,
  ok,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type ChatMessage,
  type ClientToServerEvents,
  type ClusterStatus,
  type ServerToClientEvents,
} from '../../src/protocol/index.js';

type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
type AdminSocket = Socket<AdminClientToServerEvents, AdminServerToClientEvents>;

const HISTORY_PAGE = 50;

/**
 * A deliberately lossy chat server for the load tester's own test. It speaks the real
 * protocol (src/protocol) through Socket.IO, with one room log in memory, and drops every
 * `dropEvery`-th live delivery counted over all sockets. It cannot resume: `room:history`
 * and `room:join` with `since` answer no messages, so a dropped delivery stays lost, and
 * `dropped` is exactly what a correct report must count as lost.
 */
export class LossyServer {
  dropped = 0;
  deliveries = 0;
  private readonly tokens = new Map<string, string>();
  private readonly rooms = new Map<string, ChatMessage[]>();
  private readonly sentIds = new Map<
    string,
    { id: string; seq: number; ts: number; epoch: string }
  >();
  private lastMs = 0;
  private lastN = 0;

  private constructor(
    private readonly http: HttpServer,
    private readonly io: Server,
    readonly adminToken: string,
    private readonly dropEvery: number,
  ) {}

  static async start(dropEvery = 10): Promise<LossyServer> {
    const http = createServer();
    const io = new Server(http, { transports: ['websocket'] });
    const server = new LossyServer(http, io, randomBytes(12).toString('hex'), dropEvery);
    server.wire();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** A stream-like id: `<ms>-<n>`, increasing over the whole server. */
  private nextId(): { id: string; ts: number } {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.lastN = 0;
    } else this.lastN++;
    return { id: `${this.lastMs}-${this.lastN}`, ts: this.lastMs };
  }

  private wire(): void {
    const admin = this.io.of(ADMIN_NAMESPACE);
    admin.use((socket, next) => {
      const auth = socket.handshake.auth as { adminToken?: unknown };
      if (auth.adminToken === this.adminToken) next();
      else next(Object.assign(new Error('bad admin token'), { data: { code: 'unauthorized' } }));
    });
    admin.on('connection', (raw) => {
      const socket = raw as unknown as AdminSocket;
      socket.on('admin:users:create', ({ prefix, from, count }, ack) => {
        const users = Array.from({ length: count }, (_, i) => ({
          name: `${prefix}-${from + i}`,
          token: randomBytes(24).toString('base64url'),
        }));
        for (const u of users) this.tokens.set(u.token, u.name);
        ack(ok({ users }));
      });
      socket.on('admin:loadtest:cleanup', ({ users, rooms }, ack) => {
        for (const r of rooms) this.rooms.delete(r);
        ack(ok({ users: users.length, rooms: rooms.length }));
      });
      socket.on('admin:status', (_p, ack) => ack(ok(this.status())));
    });

    this.io.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown }).token;
      const user = typeof token === 'string' ? this.tokens.get(token) : undefined;
      if (user) {
        (socket.data as { user?: string }).user = user;
        next();
      } else next(Object.assign(new Error('no session'), { data: { code: 'unauthorized' } }));
    });
    this.io.on('connection', (raw) => this.onChat(raw as unknown as ChatSocket));
  }

  private onChat(socket: ChatSocket): void {
    const user = (socket.data as { user: string }).user;
    socket.emit('session:welcome', {
      user,
      instanceId: 'lossy',
      bootId: 'lossy-boot',
      serverTime: Date.now(),
      pingIntervalMs: 25_000,
    });
    socket.on('room:join', ({ room, since }, ack) => {
      void socket.join(room);
      const log = this.rooms.get(room) ?? [];
      this.rooms.set(room, log);
      ack(
        ok({
          room,
          messages: since ? [] : log.slice(-HISTORY_PAGE),
          hasMore: false,
          truncated: false,
          members: [],
          memberCount: 0,
          typing: [],
          lastSeq: log.length,
          epoch: 'lossy',
          unrecoverable: false,
        }),
      );
    });
    socket.on('room:history', ({ room }, ack) =>
      ack(
        ok({
          room,
          messages: [],
          hasMore: false,
          truncated: false,
          epoch: 'lossy',
          unrecoverable: false,
        }),
      ),
    );
    socket.on('sys:ping', ({ t }, ack) => ack(ok({ t, instanceId: 'lossy' })));
    socket.on('message:send', ({ room, text, clientMsgId }, ack) => {
      const log = this.rooms.get(room);
      if (!log || !socket.rooms.has(room)) {
        ack(fail(ErrorCode.NotMember, 'join first'));
        return;
      }
      const key = `${room}|${user}|${clientMsgId}`;
      const prev = this.sentIds.get(key);
      if (prev) {
        ack(ok({ ...prev, duplicate: true }));
        return;
      }
      const { id, ts } = this.nextId();
      const msg: ChatMessage = {
        id,
        seq: log.length + 1,
        room,
        from: user,
        text,
        ts,
        kind: 'text',
        clientMsgId,
      };
      log.push(msg);
      this.sentIds.set(key, { id, seq: msg.seq, ts, epoch: 'lossy' });
      ack(ok({ id, seq: msg.seq, ts, epoch: 'lossy', duplicate: false }));
      for (const target of this.io.of('/').adapter.rooms.get(room) ?? []) {
        this.deliveries++;
        if (this.deliveries % this.dropEvery === 0) {
          this.dropped++;
          continue;
        }
        this.io.of('/').sockets.get(target)?.emit('message:created', msg);
      }
    });
  }

  private status(): ClusterStatus {
    const mem = process.memoryUsage();
    return {
      instances: [
        {
          id: 'lossy',
          bootId: 'lossy-boot',
          state: 'ready',
          host: '127.0.0.1',
          port: (this.http.address() as AddressInfo).port,
          pid: process.pid,
          startedAt: Date.now(),
          uptimeSec: Math.round(process.uptime()),
          connections: this.io.of('/').sockets.size,
          rooms: this.rooms.size,
          msgsInPerSec: 0,
          msgsOutPerSec: 0,
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          loopLagMs: 0,
          redisOk: true,
          version: 'lossy',
          updatedAt: Date.now(),
        },
      ],
      totals: { instances: 1, connections: 0, rooms: 0, msgsInPerSec: 0, msgsOutPerSec: 0 },
      redis: { ok: true },
      answeredBy: 'lossy',
    };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => void this.io.close(() => resolve()));
  }
}
