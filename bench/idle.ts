/**
 * Idle cost, memory per idle connection and connect rate. For each tier (10k, 20k) and each
 * system in turn: connect that many logged-in clients (ours: a session token each) spread
 * over the instances, join each to one of 100 rooms, let it settle, then read the CPU the
 * instances and Redis use to hold them over three windows of one ping interval each (the
 * median is the tier's figure); then close them all before the other system's turn, so nothing
 * else of the bench is busy while one system is measured. The RSS is read every second over
 * the same windows, and the tier's figure is the median read: one read lands wherever each
 * heap is in its cycle (the same code measured 1.01x and 1.16x plain at 20k that way).
 */
import type { Cluster } from './cluster.js';
import { closeWindow, openWindow, sumPids, type WindowCpu } from './cpu.js';
import { median } from './fit.js';
import { rssBytes, sleep, type GenPool } from './procs.js';
import type { Kind } from './protocols.js';
import { deltaOf, RedisProbe, type RedisDelta } from './redis-stats.js';
import { PING_INTERVAL_MS } from '../src/server/transport/dispatch.js';

export const IDLE_ROOMS = 100;

/** CPU seconds of a phase (the phase lasted `seconds`). */
export interface PhaseCpu {
  server: number;
  redis: number;
  seconds: number;
}

export interface IdleTier {
  kind: Kind;
  connections: number;
  failed: number;
  connectPerSec: number;
  joinMs: number;
  /** Connections whose join was refused or never answered (3 tries). */
  joinFailed: number;
  /** RSS growth of the instances over their RSS at start, per connection (median read). */
  bytesPerConn: number;
  /** The instances' RSS: the median of the reads over the hold. */
  rssBytes: number;
  /** The lowest and highest of those reads, and how many there were. */
  rssRange?: { min: number; max: number; reads: number };
  holdSeconds: number;
  /** CPU of all instances while holding, in % of one core: the median of the windows. */
  serverPct: number;
  redisPct: number;
  /** Each hold window's figure (serverPct and redisPct are their medians). */
  serverPcts?: number[];
  redisPcts?: number[];
  loadStart: number;
  loadEnd: number;
  outsideCores: number;
  disturbed: boolean;
  /** Instances holding the connections (every room has members on each). */
  instances?: number;
  /** CPU seconds of the instances and of Redis over the connect phase, and over the join phase. */
  connectCpu?: PhaseCpu;
  joinCpu?: PhaseCpu;
  /** Redis commands, bytes and memory over the connect phase, the join phase and the hold. */
  redisConnect?: RedisDelta;
  redisJoin?: RedisDelta;
  redisHold?: RedisDelta;
}

const log = (s: string): void => void process.stderr.write(`bench idle: ${s}\n`);
const rss = (c: Cluster): number => c.pids.reduce((s, pid) => s + rssBytes(pid), 0);

export async function runIdle(
  cs: Cluster[],
  gens: GenPool,
  rssAtStart: Map<Kind, number>,
  o: { quick: boolean },
): Promise<IdleTier[]> {
  const tiers = o.quick ? [1000, 2000] : [10_000, 20_000];
  // Windows of one whole ping interval (both systems ping every 25 s): each socket pings
  // exactly once in each whatever its phase. A 30 s hold held one or two of the waves in which
  // a tier's pings come (its sockets connected within seconds of each other), so the same
  // system measured up to half again as much from one run to the next. Even whole intervals
  // moved by a third between runs of the same code (the machine is shared): the tier's figure
  // is the median of three windows, and their spread is reported beside it.
  const windowMs = o.quick ? 2000 : PING_INTERVAL_MS;
  const WINDOWS = 3;
  const out: IdleTier[] = [];
  for (const n of tiers) {
    for (const c of cs) {
      const probe = new RedisProbe(c.redisUrl);
      const pids = [...c.pids, c.redisPid];
      const cpuOf = (w: WindowCpu): PhaseCpu => ({
        server: sumPids(w, c.pids),
        redis: sumPids(w, [c.redisPid]),
        seconds: w.seconds,
      });
      const r0 = await probe.read();
      const wConnect = openWindow(pids);
      const t0 = performance.now();
      const res = await gens.all((g) => {
        const clients: { token?: string; room: string }[] = [];
        for (let i = g; i < n; i += gens.size) {
          const tk = c.tokens[i];
          clients.push({ ...(tk ? { token: tk } : {}), room: `idle-${i % IDLE_ROOMS}` });
        }
        return { type: 'connect', kind: c.kind, urls: c.urls, clients, concurrency: 50 };
      }, 180_000);
      const connectMs = performance.now() - t0;
      const connectCpu = cpuOf(closeWindow(wConnect));
      const r1 = await probe.read();
      const failed = res.reduce((s, r) => s + (r.failed ?? 0), 0);
      const wJoin = openWindow(pids);
      const t1 = performance.now();
      const joins = await gens.all(
        () => ({ type: 'join', kind: c.kind, timeoutMs: 150_000 }),
        160_000,
      );
      const joinMs = Math.round(performance.now() - t1);
      // Joining announces presence and reads history: let that work finish first (and count it).
      // Settled: 10 s after the joins, both systems' heaps have done what the storm left them
      // to do (ours compacts once 5 quiet seconds follow a storm: src/server/ops/storm-compactor.ts),
      // so the hold below is the cost of holding, not of the storm's aftermath.
      await sleep(o.quick ? 1000 : 10_000);
      const joinCpu = cpuOf(closeWindow(wJoin));
      const r2 = await probe.read();
      const holds: WindowCpu[] = [];
      const rssReads: number[] = [rss(c)];
      const reader = setInterval(() => rssReads.push(rss(c)), 1000);
      try {
        for (let i = 0; i < WINDOWS; i++) {
          const w = openWindow(pids);
          await sleep(windowMs);
          holds.push(closeWindow(w));
        }
      } finally {
        clearInterval(reader);
      }
      rssReads.push(rss(c));
      const r3 = await probe.read();
      const pctOf = (w: WindowCpu, of: number[]): number =>
        Math.round((sumPids(w, of) / w.seconds) * 1000) / 10;
      const serverPcts = holds.map((w) => pctOf(w, c.pids));
      const redisPcts = holds.map((w) => pctOf(w, [c.redisPid]));
      probe.close();
      const r = median(rssReads);
      const tier: IdleTier = {
        kind: c.kind,
        connections: n,
        failed,
        connectPerSec: Math.round(((n - failed) * 1000) / connectMs),
        joinMs,
        joinFailed: joins.reduce((s, r) => s + (r.joinFailed ?? 0), 0),
        bytesPerConn: Math.round((r - (rssAtStart.get(c.kind) ?? 0)) / n),
        rssBytes: r,
        rssRange: {
          min: Math.min(...rssReads),
          max: Math.max(...rssReads),
          reads: rssReads.length,
        },
        holdSeconds: Math.round(holds.reduce((s, w) => s + w.seconds, 0) * 10) / 10,
        serverPct: median(serverPcts),
        redisPct: median(redisPcts),
        serverPcts,
        redisPcts,
        loadStart: holds[0]!.loadStart,
        loadEnd: holds.at(-1)!.loadEnd,
        outsideCores: Math.max(...holds.map((w) => w.outsideCores)),
        disturbed: holds.some((w) => w.disturbed),
        instances: c.pids.length,
        connectCpu,
        joinCpu,
        redisConnect: deltaOf(r0, r1),
        redisJoin: deltaOf(r1, r2),
        redisHold: deltaOf(r2, r3),
      };
      out.push(tier);
      log(JSON.stringify(tier));
      await gens.all(() => ({ type: 'close', kind: c.kind }));
      // Disconnects clean presence up: let it finish before the next system's turn.
      await sleep(o.quick ? 1000 : 4000);
    }
  }
  return out;
}
