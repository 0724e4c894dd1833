import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { WatchdogMessage } from './ipc.js';
import { acquireRedisLock, recordRedisPid, releaseRedisLock } from './redis-lock.js';

const WATCHDOG = fileURLToPath(new URL('./redis-watchdog.js', import.meta.url));

/** Asks the kernel for a free loopback port. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether `redis-server` can be run from PATH. */
export function redisServerAvailable(): boolean {
  const r = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

export interface PrivateRedis {
  url: string;
  port: number;
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
 * Starts a private redis-server on a free loopback port with append-only persistence under
 * `dir`, through a watchdog (redis-watchdog.ts) that stops it when this process ends in any
 * way. The watchdog runs in its own process group, so a Ctrl-C in the terminal reaches the
 * supervisor first and Redis is stopped last, after the instances have drained. A lock file
 * in `dir` keeps a second start off a directory whose Redis still runs.
 */
export async function startPrivateRedis(dir: string): Promise<PrivateRedis> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const port = await freePort();
  const lockFile = path.join(dir, 'redis.lock');
  const lock = acquireRedisLock(lockFile, dir, port);
  const log = path.join(dir, 'redis.log');
  const args = [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes'],
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
  const url = `redis://127.0.0.1:${port}`;
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
    port,
    pid: lock.redisPid,
    watchdogPid: watchdog.pid ?? 0,
    dataDir: dir,
    stop: () => stopChild(watchdog, 10_000),
  };
}
