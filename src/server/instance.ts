import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import {
  ADMIN_NAMESPACE,
  DrainReason,
  ErrorCode,
  MAX_PACKET_BYTES,
  SessionEndReason,
} from '../protocol/index.js';
import type { InstanceConfig } from './config.js';
import {
  roomOf,
  userRoomOf,
  type ChatServer,
  type ChatSocket,
  type InstanceContext,
} from './context.js';
import { RoomFanout } from './fanout.js';
import { History } from './history.js';
import { createRequestHandler } from './http-api.js';
import { makeKeys } from './keys.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { Presence } from './presence.js';
import { FloodPenalty, TokenBucket } from './rate-limit.js';
import { createRedisClients, describeTarget, quitAll, serverVersion, waitReady } from './redis.js';
import { Sessions, hashToken } from './sessions.js';
import { watchSessions } from './session-watch.js';
import { RateCounter, StatusReporter } from './status.js';
import { dispatch } from './transport/boundary.js';
import { ConnectionGuard } from './transport/conn-guard.js';
import { CHAT_HANDLERS, onSocketGone } from './transport/chat-handlers.js';
import { registerAdminNamespace, registerInterServer } from './transport/admin-handlers.js';
import { VERSION } from '../shared/version.js';
import type { SupervisorMessage, InstanceMessage } from './ipc.js';

export interface RunningInstance {
  ctx: InstanceContext;
  http: HttpServer;
  /** Resolves when the instance has drained and closed (after SIGTERM or an admin restart). */
  closed: Promise<void>;
  port(): number;
}

/**
 * How long presence changes in a room are gathered before one announcement: a mass join
 * of thousands would otherwise announce to thousands of sockets per joiner.
 */
function presenceDelayMs(members: number): number {
  return members > 200 ? 2000 : members > 50 ? 500 : 100;
}

/**
 * Cuts off sockets that stopped reading: their unsent packets would otherwise pile up in
 * memory without bound. Closing the transport (not the session) lets the client reconnect
 * and resume from history, so a slow reader loses nothing and costs nothing meanwhile.
 */
function cutSlowConsumers(io: ChatServer, maxPackets: number, log: Logger): void {
  for (const socket of io.of('/').sockets.values()) {
    // engine.io keeps packets it could not flush yet in the connection's write buffer.
    const pending =
      (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
    if (pending > maxPackets) {
      log.warn({ user: socket.data.user, pending }, 'slow consumer cut off');
      socket.conn.close();
    }
  }
}

function connectError(code: ErrorCode, message: string): Error {
  return Object.assign(new Error(message), { data: { code } });
}

/** Starts one chat instance: Redis, HTTP API, Socket.IO with the Redis adapter, heartbeats. */
export async function startInstance(cfg: InstanceConfig, log: Logger): Promise<RunningInstance> {
  const bootId = randomBytes(6).toString('hex');
  const keys = makeKeys(cfg.keyPrefix);
  const redis = createRedisClients(cfg.redis, log, `chat:${cfg.instanceId}`);
  const where = describeTarget(cfg.redis);
  try {
    await waitReady(redis.cmd, 10_000);
    // Rooms fan out over sharded pub/sub (SPUBLISH/SSUBSCRIBE), which Redis has since 7.0.
    const version = await serverVersion(redis.cmd);
    if (Number(version.split('.')[0]) < 7) {
      throw new Error(`Redis ${version} is too old: chat-tui needs Redis >= 7.0 (sharded pub/sub)`);
    }
  } catch (err) {
    await quitAll(redis);
    throw new Error(`cannot use Redis at ${where}: ${(err as Error).message}`);
  }
  const metrics = new Metrics({ instance: cfg.instanceId });
  const rates = new RateCounter();
  let draining = false;
  let drainPromise: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  // The API handler is registered before Socket.IO attaches: Engine.IO then keeps its own
  // path and passes every other request to it (registered after, it would see both).
  const api: { handle?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  // Short header and request timeouts (Node's defaults are 60 s and 300 s), checked every
  // second: a half-sent request is closed within seconds, not held for minutes.
  const http = createServer(
    {
      headersTimeout: cfg.headersTimeoutMs,
      requestTimeout: Math.max(cfg.requestTimeoutMs, cfg.headersTimeoutMs),
      connectionsCheckingInterval: 1000,
    },
    (req, res) => api.handle?.(req, res),
  );
  const io: ChatServer = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: MAX_PACKET_BYTES,
    pingInterval: 10_000,
    pingTimeout: 5_000,
    connectTimeout: 10_000,
    // Sharded pub/sub, one channel per room ('dynamic'): presence and typing of a room reach
    // only the instances with members in it; requests and notices use the namespace channel.
    adapter: createShardedAdapter(redis.pub, redis.sub, {
      channelPrefix: keys.adapterPrefix(),
      subscriptionMode: 'dynamic',
    }),
  });
  if (!cfg.trustProxy) {
    new ConnectionGuard(cfg.unauthConnPerIp, log, metrics).attach(http, io, ['/', ADMIN_NAMESPACE]);
  }
  // Session ids name their instance, so a balancer (the local supervisor) can route a
  // long-polling client back to the instance that holds its session.
  io.engine.generateId = () => `${cfg.instanceId}.${randomBytes(15).toString('base64url')}`;

  const presenceTimers = new Map<string, NodeJS.Timeout>();
  /** Last member count announced per room: big rooms are announced less often. */
  const presenceCounts = new Map<string, number>();
  const ctx: InstanceContext = {
    cfg,
    bootId,
    version: VERSION,
    log,
    metrics,
    keys,
    redis,
    io,
    sessions: new Sessions(redis.cmd, keys, cfg.sessionTtlSec),
    history: new History(redis.cmd, keys, {
      maxLen: cfg.historyMax,
      waitReplicas: cfg.appendWaitReplicas,
      waitTimeoutMs: cfg.appendWaitTimeoutMs,
    }),
    fanout: new RoomFanout({ sub: redis.fanout, keys, io, log, metrics, rates }),
    presence: new Presence(redis.cmd, keys, bootId),
    rates,
    isDraining: () => draining,
    drain: (reason) => (drainPromise ??= drain(reason)),
    selfStatus: () => status.snapshot(),
    presenceChanged(room) {
      if (presenceTimers.has(room)) return;
      presenceTimers.set(
        room,
        setTimeout(
          () => {
            presenceTimers.delete(room);
            ctx.presence.members(room).then(
              ({ members, count }) => {
                if (count === 0) presenceCounts.delete(room);
                else presenceCounts.set(room, count);
                io.to(roomOf(room)).emit('presence:updated', { room, members, count });
              },
              (err: unknown) => log.warn({ room, err }, 'presence update failed'),
            );
          },
          presenceDelayMs(presenceCounts.get(room) ?? 0),
        ),
      );
    },
  };
  api.handle = createRequestHandler(ctx);

  const status = new StatusReporter(
    redis.cmd,
    keys,
    {
      id: cfg.instanceId,
      bootId,
      host: cfg.host,
      port: () => port(),
      startedAt: Date.now(),
      version: VERSION,
      state: () => (draining ? 'draining' : 'ready'),
      connections: () => io.of('/').sockets.size,
      rooms: () => ctx.presence.localRooms(),
      roomNames: () => ctx.presence.localRoomNames(),
      redisOk: () => redis.cmd.status === 'ready',
    },
    rates,
  );

  const floods = new FloodPenalty(redis.cmd, keys, cfg.floodPenaltyMs);
  io.use((socket, next) => {
    if (draining) return next(connectError(ErrorCode.Draining, `${cfg.instanceId} is draining`));
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') {
      return next(connectError(ErrorCode.Unauthorized, 'no session token; log in first'));
    }
    Promise.all([ctx.sessions.resolve(token), floods.remainingMs(hashToken(token))]).then(
      ([session, penaltyMs]) => {
        if (!session) {
          return next(
            connectError(
              ErrorCode.Unauthorized,
              'session is invalid, expired or ended; log in again',
            ),
          );
        }
        if (penaltyMs > 0) {
          metrics.rejected.inc({ code: ErrorCode.RateLimited });
          return next(
            connectError(
              ErrorCode.RateLimited,
              `cut off for flooding: wait ${Math.ceil(penaltyMs / 1000)} s before reconnecting`,
            ),
          );
        }
        socket.data = { user: session.user, sessionHash: session.hash };
        next();
      },
      (err: unknown) => {
        log.warn({ err: (err as Error).message }, 'handshake could not reach Redis');
        next(connectError(ErrorCode.Unavailable, 'storage is unavailable; retry shortly'));
      },
    );
  });

  const handlerDeps = { log, metrics };
  io.on('connection', (socket: ChatSocket) => {
    metrics.connections.inc();
    const bucket = new TokenBucket(cfg.rateLimitPerSec, cfg.rateLimitBurst);
    /** Set once the socket is cut off for flooding: what it had still sent is dropped unread. */
    let cutOff = false;
    void socket.join(userRoomOf(socket.data.user));
    socket.use((packet) => {
      if (cutOff) return;
      const [event] = packet;
      const ack: unknown = packet[packet.length - 1];
      const answer = (code: ErrorCode, message: string): void => {
        metrics.rejected.inc({ code });
        if (typeof ack === 'function')
          (ack as (r: unknown) => void)({ ok: false, error: { code, message } });
      };
      if (!bucket.take()) {
        answer(ErrorCode.RateLimited, 'slow down: too many requests');
        if (bucket.strikes >= cfg.floodDisconnectAfter) {
          // Once per socket: the packets it had already sent are not each worth a line.
          cutOff = true;
          socket.emit('session:ended', { reason: SessionEndReason.Flood });
          socket.disconnect(true);
          const { user, sessionHash } = socket.data;
          floods.punish(sessionHash).then(
            (penaltyMs) =>
              log.warn({ user, socket: socket.id, penaltyMs }, 'flooding socket cut off'),
            (err: unknown) =>
              log.warn(
                { user, socket: socket.id, err: (err as Error).message },
                'flooding socket cut off (penalty not stored)',
              ),
          );
        }
        return;
      }
      // Every known event is run from the shared handler table right here; no per-socket
      // listeners, so `next` is never called for them.
      if (!dispatch(CHAT_HANDLERS, socket, ctx, packet, handlerDeps)) {
        answer(ErrorCode.BadRequest, `unknown event ${JSON.stringify(String(event)).slice(0, 60)}`);
      }
    });
    socket.on('disconnecting', () => {
      onSocketGone(socket, ctx).catch((err: unknown) =>
        log.debug({ err: (err as Error).message }, 'presence cleanup deferred to expiry'),
      );
    });
    socket.on('disconnect', () => metrics.connections.dec());
    socket.emit('session:welcome', {
      user: socket.data.user,
      instanceId: cfg.instanceId,
      bootId,
      serverTime: Date.now(),
      pingIntervalMs: 10_000,
    });
  });

  registerAdminNamespace(ctx);
  registerInterServer(ctx);
  const fanout = ctx.fanout;
  fanout.start();

  // Once a second: rates, slow consumers, Redis health, status to Redis, presence renewal
  // and ghost reaping.
  let ticking = false;
  let redisLostAt: number | undefined;
  let movedForRedis = false;
  const watchRedis = (): boolean => {
    const ok = redis.cmd.status === 'ready';
    if (ok) {
      if (redisLostAt !== undefined) toParent({ type: 'health', ready: true });
      redisLostAt = undefined;
      movedForRedis = false;
      return true;
    }
    if (redisLostAt === undefined) {
      redisLostAt = Date.now();
      toParent({ type: 'health', ready: false });
    } else if (!movedForRedis && Date.now() - redisLostAt >= cfg.redisLostMoveMs) {
      // Cut off from Redis for long: nothing can be stored or delivered here, so clients
      // should move to an instance that can (they resume without loss).
      movedForRedis = true;
      log.warn({ clients: io.of('/').sockets.size }, 'Redis unreachable; telling clients to move');
      io.local.emit('server:draining', {
        instanceId: cfg.instanceId,
        reason: DrainReason.RedisLost,
        reconnectWithinMs: cfg.drainSpreadMs,
      });
    }
    return false;
  };
  const tick = async (): Promise<void> => {
    if (ticking) return;
    ticking = true;
    try {
      status.sample();
      metrics.loopLag.set(status.loopLagMs / 1000);
      cutSlowConsumers(io, cfg.slowConsumerMaxPackets, log);
      if (!watchRedis()) return;
      await fanout.recover();
      await status.publish();
      for (const room of await ctx.presence.heartbeat()) ctx.presenceChanged(room);
    } catch (err) {
      // While Redis is reachable a failing heartbeat is a bug (say, a command Redis Cluster
      // refuses), not an outage: say so loudly.
      const level = redis.cmd.status === 'ready' ? 'warn' : 'debug';
      log[level]({ err: (err as Error).message }, 'heartbeat failed');
    } finally {
      ticking = false;
    }
  };
  function toParent(msg: InstanceMessage): void {
    if (process.send && process.connected) process.send(msg);
  }
  const timer = setInterval(() => void tick(), 1000);
  timer.unref();
  const stopSessionWatch = watchSessions(io, ctx.sessions, log, cfg.sessionCheckMs);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(cfg.port, cfg.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  function port(): number {
    const a = http.address();
    return typeof a === 'object' && a ? a.port : cfg.port;
  }
  await tick();

  const onParentMessage = (msg: SupervisorMessage, handle?: unknown): void => {
    if (msg?.type === 'conn' && handle) {
      const sock = handle as NetSocket;
      http.emit('connection', sock);
      sock.emit('data', Buffer.from(msg.head, 'base64'));
      sock.resume();
    }
  };
  if (cfg.supervised) process.on('message', onParentMessage);
  toParent({ type: 'ready', instanceId: cfg.instanceId, bootId, port: port(), pid: process.pid });
  const reportTimer = setInterval(
    () => toParent({ type: 'load', connections: io.of('/').sockets.size }),
    1000,
  );
  reportTimer.unref();

  log.info(
    { instanceId: cfg.instanceId, bootId, port: port(), pid: process.pid },
    'instance ready',
  );

  async function drain(reason: DrainReason): Promise<void> {
    draining = true;
    const local = io.of('/').sockets;
    log.info({ reason, clients: local.size }, 'draining');
    toParent({ type: 'draining', instanceId: cfg.instanceId });
    // Connections handed over by the local supervisor are not counted by the HTTP server, so
    // closing it would emit 'close' at once, and Engine.IO closes every client on that event,
    // before they hear server:draining. The supervisor routes nothing here any more, and a
    // handshake made directly is refused while draining; io.close() closes it at the end.
    if (!cfg.supervised) http.close();
    await status.publish().catch(() => undefined);
    io.local.emit('server:draining', {
      instanceId: cfg.instanceId,
      reason,
      reconnectWithinMs: cfg.drainSpreadMs,
    });
    if (local.size > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, cfg.drainGraceMs);
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        function check(): void {
          if (local.size === 0) done();
        }
        for (const s of local.values()) s.once('disconnect', () => setImmediate(check));
      });
    }
    const left = local.size;
    if (left > 0) log.warn({ left }, 'grace period over; closing remaining connections');
    clearInterval(timer);
    clearInterval(reportTimer);
    stopSessionWatch();
    for (const t of presenceTimers.values()) clearTimeout(t);
    process.off('message', onParentMessage);
    io.local.disconnectSockets(true);
    await status.withdraw().catch(() => undefined);
    status.stop();
    await fanout.stop();
    await new Promise<void>((resolve) => void io.close(() => resolve()));
    await quitAll(redis);
    log.info({ reason }, 'drained and closed');
    resolveClosed();
  }

  return { ctx, http, closed, port };
}
