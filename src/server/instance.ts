import os from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { MAX_PACKET_BYTES, DrainReason } from '../protocol/index.js';
import { AccountOps } from './auth/account-ops.js';
import { Accounts } from './auth/accounts.js';
import type { InstanceConfig } from './config/config.js';
import type { ChatServer } from './transport/io-types.js';
import type { InstanceContext } from './context.js';
import { PING_INTERVAL_MS, PING_TIMEOUT_MS, serveChatSockets } from './transport/dispatch.js';
import { drainInstance } from './ops/drain.js';
import { RoomFanout } from './rooms/fanout.js';
import { backlogToAsk } from './transport/listen-backlog.js';
import { installHandshake } from './transport/handshake.js';
import { startHeartbeat } from './ops/heartbeat.js';
import { EXIT_ID_IN_USE, ensureIdFree } from './ops/instance-id.js';
import { History } from './rooms/history.js';
import { Marks } from './rooms/marks.js';
import { createRequestHandler } from './transport/http-api.js';
import { dropAbandonedUpgrades } from './transport/upgrade-gate.js';
import { uncorkServedUpgrades } from './transport/first-writes.js';
import { makeKeys } from './redis/keys.js';
import type { Logger } from './ops/logger.js';
import { Metrics } from './ops/metrics.js';
import { acceptHandoffs, reportLoad, toParent } from './local-cluster/parent-link.js';
import { Presence } from './rooms/presence.js';
import { PRESENCE_NOTICE, PresenceAnnouncer } from './rooms/presence-announce.js';
import { randomId } from './redis/ids.js';
import { FloodPenalty } from './auth/rate-limit.js';
import {
  createRedisClients,
  describeTarget,
  quitAll,
  serverVersion,
  waitReady,
} from './redis/clients.js';
import { Sessions } from './auth/sessions.js';
import { SocketEndings } from './auth/socket-endings.js';
import { RateCounter, StatusReporter, startingStatus } from './ops/status.js';
import { RedisLiveness } from './redis/liveness.js';
import { registerAdminNamespace, registerInterServer } from './transport/admin-handlers.js';
import { VERSION } from '../shared/version.js';

export interface RunningInstance {
  ctx: InstanceContext;
  http: HttpServer;
  /** Resolves when the instance has drained and closed (after SIGTERM or an admin restart). */
  closed: Promise<void>;
  port(): number;
}

/** Starts one chat instance: Redis, HTTP API, Socket.IO with the Redis adapter, heartbeats. */
export async function startInstance(cfg: InstanceConfig, log: Logger): Promise<RunningInstance> {
  const bootId = randomBytes(6).toString('hex');
  const startedAt = Date.now();
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
  try {
    await ensureIdFree(
      redis.cmd,
      keys,
      cfg.instanceId,
      () =>
        startingStatus({
          id: cfg.instanceId,
          bootId,
          host: cfg.host,
          hostname: os.hostname(),
          port: cfg.port,
          pid: process.pid,
          startedAt,
          version: VERSION,
        }),
      (found, forMs) =>
        log.info(
          { bootId: found.bootId, pid: found.pid, host: found.hostname ?? found.host },
          `instance id "${cfg.instanceId}" has a status another process wrote: waiting up to ${forMs / 1000} s to see whether it is still written (a live instance) or expires (one gone)`,
        ),
    );
  } catch (err) {
    await quitAll(redis);
    throw err;
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
    // A ping per socket every 25 s and 20 s for its pong, Engine.IO's defaults (at 10 s,
    // holding 10k idle sockets cost 1000 pings a second). A peer gone without closing (a
    // host lost, a cable cut) is noticed within 45 s on either side; a process that dies has
    // its connections closed by the kernel at once. The pong's wait is also how long an event
    // loop may be held before the connections pinged just before it are dropped (the timer
    // runs before the pong is read): at 10 s, a survivor of a crash stalled 12 s by the herd
    // dropped hundreds of its own clients, a second herd (bench/ANALYSIS.md, section n).
    pingInterval: PING_INTERVAL_MS,
    pingTimeout: PING_TIMEOUT_MS,
    connectTimeout: 10_000,
    // The adapter carries only what is not about one room: per-user notices (`u:<user>`),
    // cluster-wide broadcasts and requests (fetchSockets, serverSideEmit). Those are rare,
    // so one namespace channel that every instance hears ('static') is enough, and a join
    // or a connection costs the adapter no subscription. Everything about a room (messages,
    // presence and typing notices) rides the room's own sharded channel (see RoomFanout).
    adapter: createShardedAdapter(redis.pub, redis.sub, {
      channelPrefix: keys.adapterPrefix(),
      subscriptionMode: 'static',
    }),
  });
  // Upgrades whose client gave up while they queued cost nothing more (upgrade-gate.ts).
  dropAbandonedUpgrades(http, () => metrics.upgradesAbandoned.inc());
  uncorkServedUpgrades(io.engine);
  // Session ids name their instance, so a balancer (the local supervisor) can route a
  // long-polling client back to the instance that holds its session.
  io.engine.generateId = () => `${cfg.instanceId}.${randomId(15)}`;

  // Probed on the node that holds this instance's status (on Redis Cluster, its slot's master).
  const liveness = new RedisLiveness(
    () => redis.cmd.status,
    () => redis.cmd.exists(keys.instance(cfg.instanceId)),
  );
  const presence = new Presence(redis.cmd, keys, bootId);
  const announcer = new PresenceAnnouncer(
    io,
    presence,
    { notify: (room) => redis.cmd.spublish(keys.roomChannel(room), PRESENCE_NOTICE) },
    log,
  );
  const history = new History(redis.cmd, keys, {
    maxLen: cfg.historyMax,
    waitReplicas: cfg.appendWaitReplicas,
    waitTimeoutMs: cfg.appendWaitTimeoutMs,
  });
  const ctx: InstanceContext = {
    cfg,
    bootId,
    version: VERSION,
    log,
    metrics,
    keys,
    redis,
    liveness,
    io,
    sessions: new Sessions(redis.cmd, keys, cfg.sessionTtlSec, {
      renewEveryMs: cfg.sessionRenewMs,
      cacheMs: cfg.sessionCacheMs,
    }),
    socketEndings: new SocketEndings(),
    accounts: new Accounts(redis.cmd, keys),
    accountOps: new AccountOps(redis.cmd, keys),
    history,
    marks: new Marks(redis.cmd, keys, history.changes),
    fanout: new RoomFanout({
      sub: redis.fanout,
      keys,
      io,
      log,
      metrics,
      rates,
      onPresence: (room) => announcer.heard(room),
    }),
    presence,
    rates,
    isDraining: () => draining,
    drain: (reason) => (drainPromise ??= drain(reason)),
    selfStatus: () => status.snapshot(),
    presenceChanged: (room) => announcer.changed(room),
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
      startedAt,
      version: VERSION,
      state: () => (draining ? 'draining' : 'ready'),
      connections: () => io.of('/').sockets.size,
      rooms: () => ctx.presence.localRooms(),
      roomNames: () => ctx.presence.localRoomNames(),
      roomsVersion: () => ctx.presence.roomsVersion(),
      redisOk: () => liveness.answering(),
      yieldId: (other) => {
        // Two live instances under one id: the later to start goes, and says why (exit 78; a
        // process manager that starts it again has it refused while the other lives).
        log.error(
          { other: { bootId: other.bootId, pid: other.pid, host: other.hostname ?? other.host } },
          `instance id "${cfg.instanceId}" is in use by another live instance that started first: draining and exiting; give this one another id (--id, CHAT_INSTANCE_ID)`,
        );
        process.exitCode = EXIT_ID_IN_USE;
        void ctx.drain(DrainReason.Shutdown);
      },
    },
    rates,
  );

  const floods = new FloodPenalty(redis.cmd, keys, cfg.floodPenaltyMs, (hashes) =>
    ctx.sessions.forget(hashes),
  );
  installHandshake(ctx, http);
  serveChatSockets(ctx, floods);
  registerAdminNamespace(ctx);
  registerInterServer(ctx);
  ctx.fanout.start();
  // Revocations arrive on a sharded channel of the fan-out subscriber; the session cache is
  // used only while they are heard.
  await ctx.sessions.listen(redis.fanout, log);
  const heartbeat = startHeartbeat(ctx, status);

  // Node's default accept queue (511) overflows under a reconnect herd (listen-backlog.ts).
  const backlog = backlogToAsk(cfg.listenBacklog, log);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen({ port: cfg.port, host: cfg.host, backlog }, () => {
      http.off('error', reject);
      resolve();
    });
  });
  function port(): number {
    const a = http.address();
    return typeof a === 'object' && a ? a.port : cfg.port;
  }
  await heartbeat.tick();

  const handoffs = acceptHandoffs(http, cfg.supervised);
  toParent({ type: 'ready', instanceId: cfg.instanceId, bootId, port: port(), pid: process.pid });
  const stopLoadReports = reportLoad(handoffs);

  log.info(
    { instanceId: cfg.instanceId, bootId, port: port(), pid: process.pid },
    'instance ready',
  );

  async function drain(reason: DrainReason): Promise<void> {
    draining = true;
    await drainInstance(reason, {
      ctx,
      http,
      status,
      stopTimers() {
        heartbeat.stop();
        ctx.sessions.stop();
        stopLoadReports();
        announcer.stop();
        handoffs.stop();
      },
    });
    resolveClosed();
  }

  return { ctx, http, closed, port };
}
