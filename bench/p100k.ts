/**
 * `npm run bench -- --profile 100k`: 100,000 concurrent logged-in connections on this one
 * machine, across 6 instances of ours, all joined to rooms, then operator notices that must
 * reach every one of them.
 *
 * One process holds at most its open-files limit of sockets, so the connections come from
 * one generator process per instance. The generators use the load tester's lean wire client
 * (`WireSocket`, bench/wire-conn.ts): the same packets as socket.io-client, at a fraction of
 * its CPU and memory per connection, so the generators do not set the pace. It does not bind
 * a source address: the kernel picks each connection's port at connect time, and a port is
 * only unique per destination, so each generator has the ~28k ephemeral ports of its one
 * instance to itself (socket.io-client generators, `BENCH_100K_CLIENT=socket.io-client`, bind
 * a source address each: 127.0.0.2, 127.0.0.3, ...; all loopback).
 * Before anything starts, the open-files limit and the free memory decide how many
 * connections this machine can take; when that is fewer than asked, the run takes that many
 * and says so.
 *
 * Connecting has no deadline while it makes progress: a failed try is tried again (at most
 * CONNECT_TRIES, with backoff), and a generator only stops starting connections when none
 * has connected for STALL_MS. The connections are then joined to rooms of 100 and held idle
 * for HOLD_SEC (the server pings each every 25 s, the client answers): the CPU of that hold
 * and the drops during it are the section's idle figures. Then operator notices to all.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { merge, percentiles, type Percentiles } from '../src/admin/loadtest/histogram.js';
import { readMetric } from '../test/helpers/metrics.js';
import { ROOT, adminOf, ensureTokens, startOurs, stopCluster } from './cluster.js';
import { closeWindow, cpuSeconds, openWindow, sumPids } from './cpu.js';
import { GenPool, rssBytes, sleep } from './procs.js';
import type { Client } from './protocols.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const log = (s: string): void => void process.stderr.write(`bench 100k: ${s}\n`);

/**
 * Memory one connection needs, both ends, with a margin: the server 23-40 KiB (RSS growth
 * per connection at 20k; 754 MiB for 16.7k on the largest instance at 93k), the lean wire
 * client about 12 KiB (socket.io-client generators took 35-43 KiB).
 */
const BYTES_PER_CONN_BOTH_ENDS = 64 * 1024;
/** Each instance's fixed footprint, with a margin. */
const BYTES_PER_INSTANCE = 300 * 2 ** 20;
/** Sockets a process keeps below its open-files limit (Redis, IPC, files, the listener). */
const FD_MARGIN = 500;
/** Ephemeral ports (32768-60999) per source address, or per destination when not bound. */
const PORTS_PER_ADDRESS = 28_000;
const ROOM_SIZE = 100;
/** Tries per connection before it counts as failed. */
const CONNECT_TRIES = 5;
/** A generator stops starting connections when none connected for this long. */
const STALL_MS = 60_000;
/** The idle hold, in seconds (the quick run holds 5 s). */
const HOLD_SEC = 120;

export interface Limits {
  openFilesSoft: number;
  openFilesHard: number;
  freeMemBytes: number;
  /** The most connections the limits allow with `instances` processes on each side. */
  maxConnections: number;
  /** Why fewer than asked, if so. */
  limitedBy?: string;
}

function openFiles(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line ?? '')
    .replace('Max open files', '')
    .trim()
    .split(/\s+/)
    .map((v) => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v)));
  return { soft: soft ?? 1024, hard: hard ?? 1024 };
}

export function limits(asked: number, instances: number): Limits {
  const { soft, hard } = openFiles();
  const perProcess = Math.min(soft - FD_MARGIN, PORTS_PER_ADDRESS);
  const byFds = perProcess * instances;
  const free = os.freemem();
  const byMem = Math.floor(
    (free * 0.8 - instances * BYTES_PER_INSTANCE) / BYTES_PER_CONN_BOTH_ENDS,
  );
  const max = Math.max(0, Math.min(asked, byFds, byMem));
  const l: Limits = {
    openFilesSoft: soft,
    openFilesHard: hard,
    freeMemBytes: free,
    maxConnections: max,
  };
  if (max < asked) {
    l.limitedBy =
      byFds < byMem
        ? `open files: ${soft} per process allows ${perProcess} sockets per process, ${byFds} over ${instances}`
        : `memory: ${Math.round(free / 2 ** 20)} MiB free allows about ${byMem}`;
  }
  return l;
}

export interface HundredK {
  asked: number;
  connections: number;
  instances: number;
  rooms: number;
  /** The generators' client library. */
  client?: Client;
  limits: Limits;
  tokensSeconds: number;
  connectSeconds: number;
  /** Connections connected / connect phase seconds. */
  connectsPerSec?: number;
  /** Connections open when the connect phase ended. */
  connected: number;
  /** Connections that failed every try. */
  connectFailed: number;
  /** Tries that failed and were tried again. */
  connectRetried?: number;
  connectTries?: number;
  /** Not tried: the connect phase stalled (nothing connected for `connectStallSec`). */
  connectSkipped: number;
  connectStallSec?: number;
  /** Older runs: the connect phase's deadline. */
  connectDeadlineSec?: number;
  /** Why tries failed: message -> count (every failed try, retried or not). */
  connectErrors: Record<string, number>;
  /** Connections open at the last notice. */
  held: number;
  /** Connections that dropped after connecting (never reconnected), by reason. */
  drops: Record<string, number>;
  /** Per phase (connect, join, hold): largest event-loop stalls and drops. */
  phases?: Phase[];
  /** Of those, the ones that dropped during the idle hold. */
  holdDrops?: Record<string, number>;
  joinSeconds: number;
  joinError?: string;
  joinFailed: number;
  joinErrors: Record<string, number>;
  rssStartBytes: number[];
  rssBytes: number[];
  /** Instances' RSS growth over start, summed, per connection held. */
  rssPerConnBytes?: number;
  generatorRssStartBytes?: number[];
  generatorRssBytes: number[];
  /** Generators' RSS growth over start, summed, per connection held. */
  generatorRssPerConnBytes?: number;
  /** Generators' CPU seconds over the connect phase, per connection (µs). */
  generatorConnectUsPerConn?: number;
  /** Instances' CPU seconds over the connect phase, per connection (µs). */
  serverConnectUsPerConn?: number;
  broadcast: Percentiles & { rounds: number; received: number; expected: number; lost: number };
  loadStart: number;
  loadEnd: number;
  seconds: number;
  error?: string;
  /** CPU holding the connections idle, in % of one core (the capacity model predicts it). */
  idle?: {
    holdSeconds: number;
    serverPct: number;
    redisPct: number;
    generatorPct?: number;
    outsideCores: number;
  };
}

/** One phase's largest event-loop stalls and the connections that dropped in it. */
export interface Phase {
  phase: string;
  /** Longest event-loop delay of any instance (its /metrics, read every 2 s), ms. */
  instancesLagMaxMs: number;
  /** Longest event-loop delay of any generator, ms. */
  generatorsLagMaxMs: number;
  drops: Record<string, number>;
}

/**
 * Reads every instance's longest event-loop delay (prom-client's
 * `nodejs_eventloop_lag_max_seconds`, reset at each read) every 2 s, keeping the largest
 * since the last `take()`: a stall of more than the ping timeout drops connections.
 */
class LagWatch {
  private max = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(urls: string[]) {
    this.timer = setInterval(() => {
      for (const u of urls) {
        readMetric(u, 'nodejs_eventloop_lag_max_seconds', 1900)
          .then((secs) => {
            if (!Number.isNaN(secs)) this.max = Math.max(this.max, secs * 1000);
          })
          .catch(() => {
            // An instance too busy to answer in time: its stall shows in the next read.
          });
      }
    }, 2000);
  }

  take(): number {
    const m = Math.round(this.max);
    this.max = 0;
    return m;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function sumDrops(res: { drops?: Record<string, number> }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of res)
    for (const [k, v] of Object.entries(r.drops ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
}

function minus(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(a)) if (v - (b[k] ?? 0) > 0) out[k] = v - (b[k] ?? 0);
  return out;
}

const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);

/**
 * `cpuProf`: every instance and generator writes a CPU profile (bench/out/prof-100k).
 * `BENCH_100K_CLIENT=socket.io-client` runs the generators on socket.io-client (to compare).
 */
export async function run100k(o: {
  quick: boolean;
  count?: number;
  cpuProf?: boolean;
}): Promise<HundredK> {
  const started = performance.now();
  const instances = o.quick ? 2 : 6;
  const asked = o.count ?? (o.quick ? 2000 : 100_000);
  const client: Client =
    process.env.BENCH_100K_CLIENT === 'socket.io-client' ? 'socket.io-client' : 'wire';
  const lim = limits(asked, instances);
  const n = lim.maxConnections;
  // Rooms of 100, as in the idle section (rooms of 1000 made joining 20k take over 4 minutes here).
  const rooms = Math.max(1, Math.round(n / ROOM_SIZE));
  log(
    `limits ${JSON.stringify(lim)}; running ${n} connections over ${instances} instances (${client})`,
  );
  const out: HundredK = {
    asked,
    connections: n,
    instances,
    rooms,
    client,
    limits: lim,
    tokensSeconds: 0,
    connectSeconds: 0,
    connected: 0,
    connectFailed: 0,
    connectRetried: 0,
    connectTries: CONNECT_TRIES,
    connectSkipped: 0,
    connectStallSec: STALL_MS / 1000,
    connectErrors: {},
    held: 0,
    drops: {},
    joinFailed: 0,
    joinErrors: {},
    joinSeconds: 0,
    rssStartBytes: [],
    rssBytes: [],
    generatorRssBytes: [],
    broadcast: { p50: 0, p95: 0, p99: 0, max: 0, rounds: 0, received: 0, expected: 0, lost: 0 },
    loadStart: Math.round(os.loadavg()[0]! * 100) / 100,
    loadEnd: 0,
    seconds: 0,
  };
  const prof = o.cpuProf
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench/out/prof-100k')}`]
    : [];
  const c = await startOurs({ instances, ...(o.cpuProf ? { nodeArgs: prof } : {}) });
  const gens = new GenPool(path.join(HERE, 'gen-worker.js'), instances, prof);
  const lagWatch = new LagWatch(c.urls);
  out.phases = [];
  let dropsBefore: Record<string, number> = {};
  /** Ends a phase: its stalls and drops. */
  const endPhase = async (phase: string): Promise<Record<string, number>> => {
    const st = await gens.all(() => ({ type: 'stats', kind: 'ours' }));
    const all = sumDrops(st);
    const p: Phase = {
      phase,
      instancesLagMaxMs: lagWatch.take(),
      generatorsLagMaxMs: Math.max(...st.map((x) => x.lagMaxMs ?? 0)),
      drops: minus(all, dropsBefore),
    };
    dropsBefore = all;
    out.phases!.push(p);
    log(`${phase}: ${JSON.stringify(p)}`);
    return all;
  };
  try {
    await sleep(2000);
    out.rssStartBytes = c.pids.map(rssBytes);
    out.generatorRssStartBytes = gens.pids.map(rssBytes);
    out.tokensSeconds = Math.round((await ensureTokens(c, n, 'lthundredk')) * 10) / 10;
    log(`${n} sessions in ${out.tokensSeconds} s`);
    // Generator g: instance g, every g-th client.
    await endPhase('sessions');
    const t0 = performance.now();
    const genCpu0 = sum(gens.pids.map(cpuSeconds));
    const serverCpu0 = sum(c.pids.map(cpuSeconds));
    const res = await gens.all(
      (g) => {
        const clients: { token?: string; room: string }[] = [];
        for (let i = g; i < n; i += instances) {
          clients.push({ token: c.tokens[i]!, room: `hk-${i % rooms}` });
        }
        return {
          type: 'connect',
          kind: 'ours',
          urls: [c.urls[g]!],
          clients,
          concurrency: 100,
          client,
          ...(client === 'wire' ? {} : { localAddress: `127.0.0.${g + 2}` }),
          tries: CONNECT_TRIES,
          stallMs: STALL_MS,
        };
      },
      // No deadline while connections keep coming (the generators stop on a stall); this
      // only bounds a generator that stopped answering.
      60 * 60_000,
    );
    const connectSec = (performance.now() - t0) / 1000;
    out.connectSeconds = Math.round(connectSec * 10) / 10;
    out.connected = sum(res.map((r) => r.connected ?? 0));
    out.connectFailed = sum(res.map((r) => r.failed ?? 0));
    out.connectRetried = sum(res.map((r) => r.retried ?? 0));
    out.connectSkipped = sum(res.map((r) => r.skipped ?? 0));
    out.connectsPerSec = Math.round(out.connected / connectSec);
    if (out.connected > 0) {
      const per = (s: number): number => Math.round((s / out.connected) * 1e6);
      out.generatorConnectUsPerConn = per(sum(gens.pids.map(cpuSeconds)) - genCpu0);
      out.serverConnectUsPerConn = per(sum(c.pids.map(cpuSeconds)) - serverCpu0);
    }
    for (const r of res) {
      for (const [k, v] of Object.entries(r.errors ?? {})) {
        out.connectErrors[k] = (out.connectErrors[k] ?? 0) + v;
      }
    }
    log(
      `${out.connected} connected in ${out.connectSeconds} s, ${out.connectsPerSec}/s (${out.connectRetried} tries retried, ${out.connectFailed} failed, ${out.connectSkipped} not tried after a stall; ${JSON.stringify(out.connectErrors)}); CPU µs per connection: generators ${out.generatorConnectUsPerConn}, instances ${out.serverConnectUsPerConn}`,
    );
    await endPhase('connect');
    const t1 = performance.now();
    const joinMs = o.quick ? 60_000 : 300_000;
    try {
      const joins = await gens.all(
        () => ({ type: 'join', kind: 'ours', timeoutMs: joinMs }),
        joinMs + 10_000,
      );
      out.joinFailed = joins.reduce((s, r) => s + (r.joinFailed ?? 0), 0);
      for (const r of joins) {
        for (const [k, v] of Object.entries(r.errors ?? {})) {
          out.joinErrors[k] = (out.joinErrors[k] ?? 0) + v;
        }
      }
    } catch (err) {
      // The notice reaches every connected client, joined or not: measure it all the same.
      out.joinError = err instanceof Error ? err.message : String(err);
      log(`joins: ${out.joinError}`);
    }
    out.joinSeconds = Math.round((performance.now() - t1) / 100) / 10;
    log(
      `joins to ${rooms} rooms ended after ${out.joinSeconds} s: ${out.joinFailed} failed ${JSON.stringify(out.joinErrors)}`,
    );
    out.drops = await endPhase('join');
    await sleep(3000);
    // The idle hold: long enough for every connection to answer several of the server's pings.
    const before = await endPhase('settle');
    const w = openWindow([...c.pids, c.redisPid, ...gens.pids]);
    await sleep(o.quick ? 5000 : HOLD_SEC * 1000);
    const cpu = closeWindow(w);
    const pct = (pids: number[]): number =>
      Math.round((sumPids(cpu, pids) / cpu.seconds) * 1000) / 10;
    out.idle = {
      holdSeconds: Math.round(cpu.seconds * 10) / 10,
      serverPct: pct(c.pids),
      redisPct: pct([c.redisPid]),
      generatorPct: pct(gens.pids),
      outsideCores: cpu.outsideCores,
    };
    await endPhase('hold');
    const after = await gens.all(() => ({ type: 'stats', kind: 'ours' }));
    out.holdDrops = minus(sumDrops(after), before);
    const open = sum(after.map((r) => r.connected ?? 0));
    log(
      `idle hold: ${JSON.stringify(out.idle)}; ${open} open; dropped during it: ${JSON.stringify(out.holdDrops)}`,
    );
    out.rssBytes = c.pids.map(rssBytes);
    out.generatorRssBytes = gens.pids.map(rssBytes);
    if (open > 0) {
      out.rssPerConnBytes = Math.round((sum(out.rssBytes) - sum(out.rssStartBytes)) / open);
      out.generatorRssPerConnBytes = Math.round(
        (sum(out.generatorRssBytes) - sum(out.generatorRssStartBytes)) / open,
      );
    }
    // Operator notices: each must reach every connected client.
    const admin = adminOf(c);
    const hists: string[] = [];
    const count = 3;
    for (let r = 0; r < count; r++) {
      const tag = `hk${r}`;
      const answers = gens.all(() => ({
        type: 'broadcast',
        kind: 'ours',
        sender: false,
        tag,
        timeoutMs: 30_000,
      }));
      await sleep(500); // every generator is listening by now
      const at = (performance.timeOrigin + performance.now()).toFixed(3);
      admin.emit('admin:broadcast', { text: `${tag} ${at}` }, () => undefined);
      const got = await answers;
      out.drops = sumDrops(got);
      hists.push(...got.flatMap((x) => (x.hist ? [x.hist] : [])));
      out.broadcast.received += got.reduce((s, x) => s + (x.received ?? 0), 0);
      out.held = got.reduce((s, x) => s + (x.expected ?? 0), 0);
      out.broadcast.expected += out.held;
      await sleep(1000);
    }
    out.broadcast = {
      ...out.broadcast,
      ...percentiles(merge(hists)),
      rounds: count,
      lost: out.broadcast.expected - out.broadcast.received,
    };
    log(`broadcast ${JSON.stringify(out.broadcast)}`);
    await endPhase('notices');
  } catch (err) {
    out.error = err instanceof Error ? err.message : String(err);
    log(`failed: ${out.error}`);
  } finally {
    lagWatch.stop();
    await gens.stop();
    await stopCluster(c, o.cpuProf ? 'SIGTERM' : 'SIGKILL');
  }
  out.loadEnd = Math.round(os.loadavg()[0]! * 100) / 100;
  out.seconds = Math.round((performance.now() - started) / 1000);
  return out;
}
