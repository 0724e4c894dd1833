import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { distEntry } from '../../shared/package-files.js';
import { Redis } from 'ioredis';
import type { WatchdogMessage } from './ipc.js';
import { acquireRedisLock, recordRedisPid, releaseRedisLock } from './redis-lock.js';

const WATCHDOG = distEntry('server/local-cluster/redis-watchdog.js');

/** Whether `redis-server` can be run from PATH. */
export function redisServerAvailable(): boolean {
  const r = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

export interface PrivateRedis {
  /** What the instances get as REDIS_URL: the socket's path. */
  url: string;
  /** The Unix socket it listens on (its only address). */
  socket: string;
  pid: number;
  /** The process that stops Redis when the supervisor ends, however it ends. */
  watchdogPid: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** Resolves when PING answers, or rejects after `timeoutMs`. */
export async function waitForRedis(url: string, timeoutMs: number): Promise<void> {
  // The offline queue holds the PING until a connection attempt succeeds.
  const client = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Redis at ${url} did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** Stops a child by PID: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The longest Unix socket path that binds everywhere (macOS's sun_path holds 104 bytes with
 * its NUL, Linux's 108). Redis does not refuse a longer one: it cuts it short and listens
 * somewhere else.
 */
const SOCKET_PATH_MAX = 103;

/**
 * Starts a private redis-server with append-only persistence under `dir`, through a watchdog
 * (redis-watchdog.ts) that stops it when this process ends in any way. The watchdog runs in
 * its own process group, so a Ctrl-C in the terminal reaches the supervisor first and Redis
 * is stopped last, after the instances have drained. A lock file in `dir` keeps a second
 * start off a directory whose Redis still runs.
 *
 * Redis listens on a Unix socket in `dir` (0700, in the 0700 state directory) and on no TCP
 * port. Another local user cannot connect at all; the owner (and root) can, as they can read
 * the data files anyway. This is chosen over a `requirepass` secret on a loopback port:
 * - nothing is secret, so nothing can leak: no password to keep out of `ps` (argv), logs, the
 *   banner or the lock file, none to hand to the instances, none for operators to copy
 *   (`redis-cli -s <socket>` just works for the owner);
 * - a TCP port can be taken by someone else: between picking a free port and Redis binding
 *   it, or after Redis dies while the instances keep reconnecting. Whoever holds it then plays
 *   Redis to the instances (answers any AUTH, hands out sessions) and learns the password. A
 *   path in a directory only the owner can enter cannot be taken;
 * - no TCP port means other users cannot fill Redis's connection slots either.
 * Both at once (a password on the socket too) would add nothing: whoever can open the
 * socket (the owner, root) can read a password file beside it. The cost is the length
 * limit of socket paths (a long `--state-dir` is refused, saying so), and that REDIS_URL
 * for the instances is a path, which ioredis takes as `{ path }`. A `REDIS_URL` or Redis
 * Cluster given by the operator is used as given.
 */
export async function startPrivateRedis(dataDir: string): Promise<PrivateRedis> {
  // Absolute: Redis changes into --dir before it binds the socket, and the instances run
  // elsewhere.
  const dir = path.resolve(dataDir);
  const socket = path.join(dir, 'redis.sock');
  if (Buffer.byteLength(socket) > SOCKET_PATH_MAX) {
    throw new Error(
      `the private Redis's socket path ${socket} is ${Buffer.byteLength(socket)} bytes, longer ` +
        `than a Unix socket path may be (${SOCKET_PATH_MAX}); use a shorter --state-dir ` +
        `(CHAT_STATE_DIR), or set REDIS_URL to a Redis of your own`,
    );
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const lockFile = path.join(dir, 'redis.lock');
  const lock = acquireRedisLock(lockFile, dir, socket);
  const log = path.join(dir, 'redis.log');
  const args = [
    // `port 0`: no TCP listener at all. Redis removes a stale socket file before it binds;
    // the lock above keeps a live one's Redis from being displaced.
    ...['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir],
    ...['--appendonly', 'yes', '--save', '', '--daemonize', 'no'],
    ...['--logfile', log],
  ];
  const watchdog = fork(WATCHDOG, [lockFile, ...args], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    detached: true,
  });
  const exited = new Promise<never>((_, reject) =>
    watchdog.once('exit', (code) =>
      reject(new Error(`redis-server exited with code ${code}; see ${log}`)),
    ),
  );
  exited.catch(() => undefined);
  // ioredis takes a string starting with `/` as a Unix socket path.
  const url = socket;
  try {
    const pid = await Promise.race([
      new Promise<number>((resolve, reject) =>
        watchdog.once('message', (m: WatchdogMessage) =>
          m.type === 'started' ? resolve(m.pid) : reject(new Error(m.message)),
        ),
      ),
      exited,
    ]);
    recordRedisPid(lockFile, lock, pid);
    await Promise.race([waitForRedis(url, 10_000), exited]);
  } catch (err) {
    await stopChild(watchdog, 5000);
    releaseRedisLock(lockFile, lock.redisPid);
    throw err;
  }
  return {
    url,
    socket,
    pid: lock.redisPid,
    watchdogPid: watchdog.pid ?? 0,
    dataDir: dir,
    stop: () => stopChild(watchdog, 10_000),
  };
}
