import { fork, type ChildProcess } from 'node:child_process';
import { withMallocTuning } from '../ops/malloc-tuning.js';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { distEntry } from '../../shared/package-files.js';
import { serverSetting } from '../config/config.js';
import type { Logger } from '../ops/logger.js';
import type { InstanceMessage, SupervisorMessage } from './ipc.js';
import { localUrl, writeServerUrl } from '../../shared/cluster-url.js';
import { acquireClusterLock } from './cluster-lock.js';
import { EXIT_ID_IN_USE } from '../ops/instance-id.js';
import { startPrivateRedis, stopChild, type PrivateRedis } from './private-redis.js';
import { describeTarget } from '../redis/clients.js';
import { backlogToAsk } from '../transport/listen-backlog.js';

export interface ClusterOptions {
  instances: number;
  host: string;
  port: number;
  redisUrl: string | undefined;
  /** `host:port,...` of a Redis Cluster (instead of `redisUrl` or a private Redis). */
  redisClusterNodes?: string | undefined;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Where every log line goes (the instances' too), the terminal showing only warnings. */
  logFile?: string | undefined;
  /** Printed lines for people (the URL, the instances, where state lives). */
  out: (line: string) => void;
}

interface Child {
  id: string;
  proc: ChildProcess | null;
  ready: boolean;
  /** False while the instance reports it cannot reach Redis. */
  healthy: boolean;
  draining: boolean;
  port: number;
  pid: number;
  bootId: string;
  /** Connections it holds, as the supervisor counts them (see `loadAfterReport`). */
  connections: number;
  /** Connections handed to this process of it since it started. */
  handed: number;
  startedAt: number;
  backoffMs: number;
  restartTimer: NodeJS.Timeout | null;
}

const MAIN = distEntry('server/main.js');
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** An instance that lived this long is healthy again: its backoff resets. */
const STABLE_AFTER_MS = 10_000;

/** Reads or creates the admin token file (mode 0600) unless CHAT_ADMIN_TOKEN is set. */
export function ensureAdminToken(
  dir: string,
  env: NodeJS.ProcessEnv,
): { token: string; file?: string } {
  if (env.CHAT_ADMIN_TOKEN) return { token: env.CHAT_ADMIN_TOKEN };
  const file = path.join(dir, 'admin-token');
  if (existsSync(file)) {
    // Whoever can read the token can restart the cluster and kick its users.
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) {
      throw new Error(
        `the admin token file ${file} is open to other users (mode ${mode.toString(8).padStart(4, '0')}); ` +
          `make it private with \`chmod 600 ${file}\`, or delete it to have a new token made`,
      );
    }
    const token = readFileSync(file, 'utf8').trim();
    if (token) return { token, file };
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file };
}

/**
 * Creates the state directory, or makes an existing one private (mkdir's mode applies only
 * to a directory it creates). A shared directory (world-writable, like /tmp) is refused, not
 * closed to everyone else.
 */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o7777;
  if (mode & 0o1002) {
    throw new Error(
      `the state directory ${dir} is shared (mode ${mode.toString(8)}); point --state-dir or ` +
        `CHAT_STATE_DIR at a directory of its own`,
    );
  }
  chmodSync(dir, 0o700);
}

/**
 * The supervisor's count of an instance's connections after its report: what it holds, and
 * what was handed to it that it had not received yet when it reported.
 */
export function loadAfterReport(
  handed: number,
  report: { connections: number; received: number },
): number {
  return report.connections + Math.max(0, handed - report.received);
}

/**
 * Whether a connection's first request starts a Socket.IO session (Engine.IO's handshake:
 * its path, and no session id yet), which stays on the instance it is handed to. The rest are
 * requests of a session already counted (they go to its instance) or short HTTP requests
 * (a login, `/api/me`, `/metrics`), answered with `Connection: close`.
 */
export function startsSession(head: string): boolean {
  const end = head.indexOf('\r\n');
  const line = end < 0 ? head : head.slice(0, end);
  return /^GET \/socket\.io\/\?/.test(line) && !/[?&]sid=/.test(line);
}

/** Picks the instance for a new connection from its first bytes. */
function route(children: Child[], head: string): Child | undefined {
  const alive = children.filter((c) => c.proc && c.port > 0 && c.proc.connected);
  // A long-polling request names its session, and the session id names its instance.
  const sid = /[?&]sid=([^&\s]+)/.exec(head.slice(0, 2048))?.[1];
  if (sid) {
    const owner = alive.find((c) => c.id === decodeURIComponent(sid).split('.')[0]);
    if (owner) return owner;
  }
  const ready = alive.filter((c) => c.ready && c.healthy && !c.draining);
  const pool = ready.length > 0 ? ready : alive;
  let best: Child | undefined;
  for (const c of pool) if (!best || c.connections < best.connections) best = c;
  return best;
}

/**
 * The local cluster: an optional private Redis, N instance processes, and one public port
 * whose connections are handed (as file descriptors, no proxying) to the least-loaded ready
 * instance. Instances that exit are started again, with backoff when they keep crashing.
 */
export async function runCluster(opts: ClusterOptions): Promise<void> {
  makePrivateDir(opts.stateDir);
  const release = acquireClusterLock(opts.stateDir);
  try {
    await runLocked(opts);
  } finally {
    release();
  }
}

async function runLocked(opts: ClusterOptions): Promise<void> {
  const { log, out } = opts;
  const admin = ensureAdminToken(opts.stateDir, opts.env);
  let redis: PrivateRedis | undefined;
  let redisUrl = opts.redisUrl;
  const clusterNodes = opts.redisClusterNodes;
  if (!redisUrl && !clusterNodes) {
    redis = await startPrivateRedis(path.join(opts.stateDir, 'redis'));
    redisUrl = redis.url;
  }
  const children: Child[] = Array.from({ length: opts.instances }, (_, i) => ({
    id: `chat-${i + 1}`,
    proc: null,
    ready: false,
    healthy: true,
    draining: false,
    port: 0,
    pid: 0,
    bootId: '',
    connections: 0,
    handed: 0,
    startedAt: 0,
    backoffMs: BACKOFF_MIN_MS,
    restartTimer: null,
  }));
  let stopping = false;
  /** Ends the start with an error (see the exit handler), while it waits for the instances. */
  let startFailed: ((err: Error) => void) | undefined;
  /** After the banner, instances that come back are announced in lines of their own. */
  let announced = false;
  const instanceLine = (c: Child): string =>
    `  ${c.id}  pid ${c.pid}  127.0.0.1:${c.port}  boot ${c.bootId}`;

  const spawnChild = (c: Child): void => {
    c.restartTimer = null;
    if (stopping) return;
    c.ready = false;
    c.healthy = true;
    c.draining = false;
    c.port = 0;
    c.connections = 0;
    c.handed = 0;
    c.startedAt = Date.now();
    const args = [
      'instance',
      '--supervised',
      ...(opts.logFile ? ['--log-file', opts.logFile] : []),
    ];
    const proc = fork(MAIN, args, {
      env: {
        ...withMallocTuning(opts.env),
        CHAT_INSTANCE_ID: c.id,
        ...(clusterNodes
          ? { REDIS_CLUSTER_NODES: clusterNodes, REDIS_URL: '' }
          : { REDIS_URL: redisUrl, REDIS_CLUSTER_NODES: '' }),
        HOST: '127.0.0.1',
        PORT: '0',
        CHAT_ADMIN_TOKEN: admin.token,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    c.proc = proc;
    c.pid = proc.pid ?? 0;
    proc.on('message', (m: InstanceMessage) => {
      if (m.type === 'ready') {
        Object.assign(c, { ready: true, port: m.port, bootId: m.bootId, pid: m.pid });
        log.info({ instance: c.id, pid: m.pid, port: m.port, bootId: m.bootId }, 'instance up');
        if (announced) out(`${instanceLine(c)}  (started again)`);
      } else if (m.type === 'draining') {
        c.draining = true;
      } else if (m.type === 'load') {
        c.connections = loadAfterReport(c.handed, m);
      } else if (m.type === 'health') {
        c.healthy = m.ready;
        log.warn({ instance: c.id, ready: m.ready }, 'instance health changed');
      }
    });
    proc.on('exit', (code, signal) => {
      c.proc = null;
      c.ready = false;
      c.port = 0;
      if (stopping) return;
      // Its id is a live instance's on this Redis (it said so): starting it again changes
      // nothing. While the cluster starts, that ends the start.
      if (code === EXIT_ID_IN_USE && !announced) {
        startFailed?.(
          new Error(
            `${c.id}'s id is in use by a live instance on this Redis (another cluster with the ` +
              `same key prefix?): stop that one, or give this one another CHAT_KEY_PREFIX`,
          ),
        );
        return;
      }
      const lived = Date.now() - c.startedAt;
      if (lived > STABLE_AFTER_MS) c.backoffMs = BACKOFF_MIN_MS;
      // A clean exit after a drain (admin restart) comes back at once; a crash waits.
      const delay = code === 0 && lived > 1000 ? 0 : c.backoffMs;
      if (delay > 0) c.backoffMs = Math.min(c.backoffMs * 2, BACKOFF_MAX_MS);
      log.warn({ instance: c.id, code, signal, restartInMs: delay }, 'instance exited; restarting');
      c.restartTimer = setTimeout(() => spawnChild(c), delay);
    });
  };

  // Until its first bytes arrive a connection belongs to no instance, so the instances'
  // guards (header timeout, unauthenticated connections per address) cannot see it: the
  // front applies the same two limits to connections still silent, the cap as the instances
  // behind it admit together (one address's connections are spread over all of them).
  const firstByteMs = serverSetting('headersTimeoutMs', opts.env)!;
  const silentPerAddress = serverSetting('unauthConnPerIp', opts.env)! * opts.instances;
  const silent = new Map<string, number>();
  // Every client of the cluster connects here first: after an instance dies its clients all
  // come back through this one queue (listen-backlog.ts).
  const backlog = backlogToAsk(serverSetting('listenBacklog', opts.env)!, log);
  const front = net.createServer({ pauseOnConnect: false }, (socket) => {
    const addr = socket.remoteAddress ?? '?';
    const waiting = silent.get(addr) ?? 0;
    if (silentPerAddress > 0 && waiting >= silentPerAddress) {
      socket.destroy();
      return;
    }
    silent.set(addr, waiting + 1);
    let counted = true;
    const spoke = (): void => {
      if (!counted) return;
      counted = false;
      const n = (silent.get(addr) ?? 1) - 1;
      if (n <= 0) silent.delete(addr);
      else silent.set(addr, n);
    };
    socket.once('close', spoke);
    socket.setTimeout(firstByteMs, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      spoke();
      // pause() only stops 'data' events; the handle keeps reading. Until this process has
      // closed its copy of the descriptor, it and the instance both read the same socket, and
      // bytes it reads (a client's next packet, under load) are lost. Stop reading at the
      // handle, and hand over whatever was read already.
      socket.pause();
      (socket as unknown as { _handle?: { readStop?: () => unknown } })._handle?.readStop?.();
      const chunks = [first];
      for (let more = socket.read() as Buffer | null; more; more = socket.read() as Buffer | null) {
        chunks.push(more);
      }
      const chunk = chunks.length === 1 ? first : Buffer.concat(chunks);
      socket.setTimeout(0);
      const head = chunk.toString('latin1');
      const target = route(children, head);
      if (!target?.proc) {
        socket.end(
          'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
        );
        return;
      }
      // Counted until the instance's next report (once a second) says what it holds: only a
      // new session is load that stays. A login counted as one made the next instance look
      // the least loaded for every socket that followed its login.
      if (startsSession(head)) target.connections++;
      target.handed++;
      const msg: SupervisorMessage = { type: 'conn', head: chunk.toString('base64') };
      target.proc.send(msg, socket, { keepOpen: false }, (err) => {
        if (!err) return;
        // Never received: not on its way either.
        target.handed--;
        socket.destroy();
      });
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `port ${opts.port} on ${opts.host} is in use; pick another with --port or PORT`,
            )
          : err,
      );
    });
    front.listen({ port: opts.port, host: opts.host, backlog }, resolve);
  }).catch(async (err: unknown) => {
    await redis?.stop();
    throw err;
  });

  for (const c of children) spawnChild(c);
  let check: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve, reject) => {
    startFailed = reject;
    check = setInterval(() => {
      if (children.every((c) => c.ready)) resolve();
    }, 50);
  })
    .finally(() => {
      clearInterval(check);
      startFailed = undefined;
    })
    .catch(async (err: unknown) => {
      stopping = true;
      front.close();
      for (const c of children) if (c.restartTimer) clearTimeout(c.restartTimer);
      await Promise.all(
        children.map((c) => (c.proc ? stopChild(c.proc, 5000) : Promise.resolve())),
      );
      await redis?.stop();
      throw err;
    });
  const addr = front.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  out(`chat-tui cluster ready on http://${opts.host}:${port} (${children.length} instances)`);
  for (const c of children) out(instanceLine(c));
  announced = true;
  out(
    redis
      ? `  redis  pid ${redis.pid}  ${redis.socket}  (private: a Unix socket only you can open, ` +
          `no TCP port; append-only data in ${redis.dataDir}; ` +
          `watchdog pid ${redis.watchdogPid} stops it if this process dies)`
      : clusterNodes
        ? `  redis  cluster ${clusterNodes}`
        : // The URL may carry a password: the banner is printed, often into logs.
          `  redis  ${describeTarget({ kind: 'single', url: redisUrl ?? '' })}`,
  );
  out(admin.file ? `  admin token in ${admin.file}` : '  admin token from CHAT_ADMIN_TOKEN');
  out(`  URL for chat-admin in ${writeServerUrl(opts.stateDir, localUrl(opts.host, port))}`);
  if (opts.logFile) {
    out(`  logs in ${opts.logFile}; warnings and errors show here too (--verbose: every line)`);
  }
  out(`  supervisor pid ${process.pid}; state in ${opts.stateDir}; Ctrl-C stops everything`);

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping the local cluster');
      // The log says so in the file: the terminal hears it too.
      if (opts.logFile) out('stopping: the instances drain their clients, then everything exits');
      front.close();
      for (const c of children) if (c.restartTimer) clearTimeout(c.restartTimer);
      void Promise.all(
        children.map((c) => (c.proc ? stopChild(c.proc, 20_000) : Promise.resolve())),
      )
        .then(() => redis?.stop())
        .then(() => {
          log.info('local cluster stopped');
          resolve();
        });
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGHUP', () => shutdown('SIGHUP'));
  });
}
