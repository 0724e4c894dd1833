import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from '../ops/logger.js';

/** A connection to one Redis (standalone or behind Sentinel) or to a Redis Cluster. */
export type RedisConn = Redis | Cluster;

/** Where the data lives: one Redis, a Redis Cluster, or a Sentinel-managed primary. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; auth?: RedisAuth }
  | {
      kind: 'sentinel';
      sentinels: { host: string; port: number }[];
      name: string;
      /** For the primary and its replicas. */
      auth?: RedisAuth;
      /** The sentinels' own `requirepass`. */
      sentinelPassword?: string;
    };

/** An ACL user and password (a single Redis takes them in its URL). */
export interface RedisAuth {
  username?: string;
  password?: string;
}

/** The Redis connections one instance holds; `instance.ts` is the only place they are made. */
export interface RedisClients {
  /** Commands. Fails fast while Redis is away (no offline queue) so callers can answer `unavailable`. */
  cmd: RedisConn;
  /** Socket.IO adapter publisher and subscriber. */
  pub: RedisConn;
  sub: RedisConn;
  /** Subscriber for the rooms' message channels (sharded pub/sub). */
  fanout: RedisConn;
}

/** Parses `host:port,host:port,...` (IPv6 as `[::1]:7000`); throws a clear error on garbage. */
export function parseNodeList(raw: string, what: string): { host: string; port: number }[] {
  const nodes = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
      const port = Number(m?.[3]);
      if (!m || port < 1 || port > 65535) {
        throw new Error(`${what}: expected host:port[,host:port...], got ${JSON.stringify(s)}`);
      }
      return { host: (m[1] ?? m[2])!, port };
    });
  if (nodes.length === 0) throw new Error(`${what}: give at least one host:port`);
  return nodes;
}

/** How the target reads in logs and errors (no passwords). */
export function describeTarget(t: RedisTarget): string {
  if (t.kind === 'single') return t.url.replace(/\/\/[^@/]*@/, '//***@');
  const list = (ns: { host: string; port: number }[]): string =>
    ns.map((n) => `${n.host}:${n.port}`).join(',');
  if (t.kind === 'cluster') return `Redis Cluster ${list(t.nodes)}`;
  return `Sentinel ${list(t.sentinels)} (primary ${t.name})`;
}

const retryStrategy = (times: number): number => Math.min(100 * 2 ** Math.min(times, 5), 2000);

/** Roles differ in how long a command may wait while Redis is away. */
type Role = keyof RedisClients;

const ROLE_OPTIONS: Record<Role, RedisOptions> = {
  // Auto-pipelining: the commands issued within one event-loop turn (a burst of handshakes,
  // every room's heartbeat, a session check) leave in one write, not one syscall each.
  // Except a message's append: it is sent on its own (one per received message, rarely two
  // in a turn), and through an auto-pipeline it cost a pipeline object and a deferred write
  // each: measured with bench/fanout-probe.ts (one instance, rooms of 100, 200 messages/s
  // in), 2790 µs of the main thread per message through the pipeline, 2225-2375 µs written
  // directly (plain Socket.IO: 2480-2675).
  cmd: {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 3000,
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: ['chatAppend'],
  },
  // The adapter publishes without awaiting; bound its retries so a long outage cannot
  // pile up publishes in memory (rejections are logged by the process-level handler).
  pub: { maxRetriesPerRequest: 2 },
  sub: { maxRetriesPerRequest: 2 },
  fanout: { maxRetriesPerRequest: 2 },
};

/** Opens one connection of `role` to the target. */
export function connect(target: RedisTarget, role: Role, name: string): RedisConn {
  const base: RedisOptions = {
    retryStrategy,
    connectionName: `${name}:${role}`,
    // An error reply drops the connection only when it says the connection is on a replica
    // (READONLY: a failover demoted the node it reached); reconnecting finds the master.
    // Every other error reply (a script's error, WRONGTYPE, OOM, NOPERM) belongs to its own
    // command: dropping the connection for it failed every other command in flight and every
    // one sent before the reconnect (no offline queue). Reconnecting after a lost connection
    // is `retryStrategy`'s, forever: an instance outlives a Redis restart.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    ...ROLE_OPTIONS[role],
  };
  if (target.kind === 'single') return new Redis(target.url, base);
  if (target.kind === 'sentinel') {
    return new Redis({
      ...base,
      ...target.auth,
      sentinels: target.sentinels,
      name: target.name,
      ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    });
  }
  const { enableOfflineQueue, maxRetriesPerRequest, ...nodeOptions } = {
    ...base,
    ...target.auth,
  };
  const opts: ClusterOptions = {
    // Reads go to masters only: a replica can lag behind the append that a client just saw.
    scaleReads: 'master',
    enableReadyCheck: true,
    enableOfflineQueue: enableOfflineQueue ?? true,
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    clusterRetryStrategy: retryStrategy,
    // Nodes come back after a restart without a slot change; reconnect to them.
    clusterNodeRetryStrategy: retryStrategy,
    slotsRefreshTimeout: 2000,
    // One subscriber connection per master, so SSUBSCRIBE reaches the shard of its channel.
    shardedSubscribers: role === 'sub' || role === 'fanout',
    enableAutoPipelining: ROLE_OPTIONS[role].enableAutoPipelining ?? false,
    autoPipeliningIgnoredCommands: ROLE_OPTIONS[role].autoPipeliningIgnoredCommands ?? [],
    redisOptions: { ...nodeOptions, maxRetriesPerRequest },
  };
  return new Cluster(target.nodes, opts);
}

export function createRedisClients(target: RedisTarget, log: Logger, name: string): RedisClients {
  const clients: RedisClients = {
    cmd: connect(target, 'cmd', name),
    pub: connect(target, 'pub', name),
    sub: connect(target, 'sub', name),
    fanout: connect(target, 'fanout', name),
  };
  for (const [role, client] of Object.entries(clients) as [Role, RedisConn][]) {
    let down = false;
    client.on('error', (err: Error) => {
      if (!down) log.warn({ role, err: errorText(err) }, 'redis connection error');
      down = true;
    });
    client.on('ready', () => {
      if (down) log.info({ role }, 'redis connection restored');
      down = false;
    });
  }
  return clients;
}

/**
 * What went wrong, said whole: a cluster client reports "Failed to refresh slots cache." and
 * keeps the node's own answer (a refused password, say) in `lastNodeError`.
 */
export function errorText(err: Error): string {
  const last = (err as { lastNodeError?: unknown }).lastNodeError;
  return last instanceof Error ? `${err.message} (${last.message})` : err.message;
}

/** Resolves once the client is ready, or rejects after `timeoutMs`, with the last error seen. */
export function waitReady(client: RedisConn, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let last: string | undefined;
    const onError = (err: Error): void => {
      last = errorText(err);
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      client.off('error', onError);
      // A cluster client whose ready check fails (CLUSTER INFO refused, or the cluster not
      // ok) reconnects without an error event: say where to look.
      const why =
        last !== undefined
          ? ` (last error: ${last})`
          : client instanceof Cluster
            ? " (no error from the cluster: its client is ready once CLUSTER INFO says the cluster is ok; check the cluster's state, and that the user may run cluster|info)"
            : '';
      reject(new Error(`Redis not reachable within ${timeoutMs} ms${why}`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      client.off('error', onError);
      resolve();
    };
    client.once('ready', onReady);
    client.on('error', onError);
  });
}

/** The Redis server version (of one node, for a cluster), e.g. `7.0.15`. */
export async function serverVersion(client: RedisConn): Promise<string> {
  const node = client instanceof Cluster ? client.nodes('master')[0] : client;
  const info = node ? await node.info('server') : '';
  return /^redis_version:(.*)$/m.exec(info)?.[1]?.trim() ?? '0';
}

export async function quitAll(clients: RedisClients): Promise<void> {
  await Promise.all(
    Object.values(clients).map(async (c: RedisConn) => {
      try {
        await c.quit();
      } catch {
        c.disconnect();
      }
    }),
  );
}
