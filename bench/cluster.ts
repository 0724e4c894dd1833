/**
 * Starting the two systems the bench compares, each on a Redis of its own: ours
 * (`chat-server instance` from dist/) and the plain Socket.IO + Redis adapter baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { freePort, sleep, startRedisProc, track, waitHttp, waitLine } from './procs.js';
import type { Kind } from './protocols.js';
import { MALLOC_TUNABLE } from '../src/server/ops/malloc-tuning.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from bench/out/build/bench/). */
export const ROOT = path.resolve(HERE, '../../../..');
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

export interface Cluster {
  kind: Kind;
  urls: string[];
  procs: ChildProcess[];
  /** The instances' pids. */
  pids: number[];
  redisPid: number;
  redisUrl: string;
  /** Ours: an admin connection (bulk users, notices). */
  admin?: Socket;
  /** Ours: session tokens made so far, in order. */
  tokens: string[];
  /** Ours: each instance's log file (JSON lines, warn and above), in the order of `pids`. */
  logs?: string[];
}

/** Where instances of ours write their logs: one file per instance id, rewritten per start. */
export const LOG_DIR = path.join(ROOT, 'bench/out/logs');

/**
 * The warnings and errors in an instance's log, counted by message (`msg`); lines that are not
 * JSON (a crash's stack) count as `unparsed line`. Empty for a file that does not exist.
 */
export function warningsIn(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let msg = 'unparsed line';
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string };
      if ((j.level ?? 0) < 40) continue;
      msg = j.msg ?? '(no message)';
    } catch {
      // counted as unparsed
    }
    out[msg] = (out[msg] ?? 0) + 1;
  }
  return out;
}

export interface StartOptions {
  instances: number;
  /** Extra node flags for every instance (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

/**
 * `chat-server instance` processes of ours on free ports, with the limits meant for real
 * users raised (the bench's clients share a handful of source addresses and connect by the
 * thousand, which the per-address guards would refuse); resolves once every one is ready.
 */
export async function spawnOurInstances(
  n: number,
  o: { env: Record<string, string>; idPrefix: string; nodeArgs?: string[] },
): Promise<{ urls: string[]; procs: ChildProcess[]; logs: string[] }> {
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  mkdirSync(LOG_DIR, { recursive: true });
  const logs = ports.map((_, i) => path.join(LOG_DIR, `${o.idPrefix}-${i + 1}.log`));
  const procs = ports.map((port, i) => {
    // The instance's stdout (its JSON log) to a file; the parent's copy of the fd is closed.
    const fd = openSync(logs[i]!, 'w');
    const proc = track(
      spawn(
        process.execPath,
        [
          ...(o.nodeArgs ?? []),
          // Node flags for a probe (`--trace-gc`: NODE_OPTIONS does not take it), see run.ts.
          ...(process.env.BENCH_INSTANCE_ARGS ?? '').split(/\s+/).filter((a) => a.length > 0),
          path.join(ROOT, 'dist/server/main.js'),
          'instance',
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
          '--id',
          `${o.idPrefix}-${i + 1}`,
        ],
        {
          env: {
            ...process.env,
            ...o.env,
            CHAT_ADMIN_TOKEN: ADMIN_TOKEN,
            CHAT_RATE_PER_SEC: '100000',
            CHAT_RATE_BURST: '100000',
            CHAT_UNAUTH_CONN_PER_IP: '100000',
            CHAT_LOGIN_PER_IP_PER_MIN: '100000',
            // As the Dockerfile and the local cluster run it (src/server/ops/malloc-tuning.ts).
            GLIBC_TUNABLES: MALLOC_TUNABLE,
            // `BENCH_LOG_LEVEL=info` shows what an instance says of itself (its storm compactor's
            // collections, say) on the bench's stderr; warn by default.
            LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
            LOG_FORMAT: 'json',
          },
          stdio: ['ignore', fd, 'inherit'],
        },
      ),
    );
    closeSync(fd);
    return proc;
  });
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  await Promise.all(urls.map((u) => waitHttp(`${u}/readyz`, 30_000)));
  return { urls, procs, logs };
}

/** Ours on a Redis of its own (see {@link spawnOurInstances}). */
export async function startOurs(o: StartOptions): Promise<Cluster> {
  const redis = await startRedisProc();
  const { urls, procs, logs } = await spawnOurInstances(o.instances, {
    env: { REDIS_URL: redis.url, CHAT_DRAIN_GRACE_MS: '1000' },
    idPrefix: 'chat',
    ...(o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}),
  });
  return {
    kind: 'ours',
    urls,
    procs,
    pids: procs.map((p) => p.pid!),
    redisPid: redis.pid,
    redisUrl: redis.url,
    tokens: [],
    logs,
  };
}

export async function startPlain(o: StartOptions): Promise<Cluster> {
  const redis = await startRedisProc();
  const ports = await Promise.all(Array.from({ length: o.instances }, () => freePort()));
  const procs = ports.map((port) =>
    track(
      spawn(
        process.execPath,
        [...(o.nodeArgs ?? []), path.join(HERE, 'baseline-server.js'), String(port), redis.url],
        // The same malloc setting as ours, so the two differ only in the server.
        {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, GLIBC_TUNABLES: MALLOC_TUNABLE },
        },
      ),
    ),
  );
  await Promise.all(procs.map((p) => waitLine(p, (l) => l.startsWith('baseline ready'))));
  return {
    kind: 'plain',
    urls: ports.map((p) => `http://127.0.0.1:${p}`),
    procs,
    pids: procs.map((p) => p.pid!),
    redisPid: redis.pid,
    redisUrl: redis.url,
    tokens: [],
  };
}

/** Ours: the admin connection, opened on first use (so none exists while RSS at start is read). */
export function adminOf(c: Cluster): Socket {
  c.admin ??= io(`${c.urls[0]}/admin`, {
    auth: { adminToken: ADMIN_TOKEN },
    transports: ['websocket'],
  });
  return c.admin;
}

/**
 * Ours: makes sessions until `c.tokens` holds `count`, through the admin bulk path the load
 * tester uses (1000 users a call). Returns the seconds it took.
 */
export async function ensureTokens(c: Cluster, count: number, prefix = 'ltbench'): Promise<number> {
  if (c.kind !== 'ours') return 0;
  const admin = adminOf(c);
  const t = performance.now();
  while (c.tokens.length < count) {
    const from = c.tokens.length;
    const n = Math.min(1000, count - from);
    const res = (await admin.timeout(60_000).emitWithAck('admin:users:create', {
      prefix,
      from,
      count: n,
      ttlSec: 3600,
    })) as { ok: boolean; data: { users: { token: string }[] } };
    if (!res.ok) throw new Error('admin:users:create failed');
    c.tokens.push(...res.data.users.map((u) => u.token));
  }
  return (performance.now() - t) / 1000;
}

/** Stops a cluster and its Redis (SIGKILL; waits until they are gone, bounded). */
export async function stopCluster(c: Cluster, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  c.admin?.close();
  const procs = c.procs.filter((p) => p.exitCode === null && p.signalCode === null);
  const gone = Promise.all(procs.map((p) => new Promise((r) => p.once('exit', r))));
  for (const p of procs) p.kill(signal);
  await Promise.race([gone, sleep(20_000)]);
  try {
    process.kill(c.redisPid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
