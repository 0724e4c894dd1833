/**
 * The herd after a crash (`npm run bench -- --section herd`): N logged-in users chatting in
 * rooms of 100 on 3 instances of ours, then one instance SIGKILLed. Every one of its clients
 * must come back on the survivors and resume its room, with messages flowing in the rooms
 * throughout, none lost, and no survivor's event loop stalled.
 *
 * The users are the load tester's own virtual users (`src/admin/loadtest`: the real protocol,
 * jittered backoff rotating over the instances' URLs, resume from the last message held,
 * unacknowledged sends retried with the same id, a ledger of what each was owed), in worker
 * processes of its own (`WorkerHandle`), each user starting on its share of the instances.
 * Each outage is timed by the user, from its connection lost to its room resumed (the
 * re-join's answer and any history pages after it). The survivors' event-loop lag is what
 * they report in their status (p99 of each second), read over the admin connection.
 * Ours only: the plain Socket.IO server has no resume.
 */
import os from 'node:os';
import type { Socket } from 'socket.io-client';
import { compareIds, type ClusterStatus } from '../src/protocol/index.js';
import { merge, percentiles, type Percentiles } from '../src/admin/loadtest/histogram.js';
import type { SentRef, VuSpec, WorkerResult } from '../src/admin/loadtest/messages.js';
import { messagesOf, type LoadtestReport } from '../src/admin/loadtest/report.js';
import { sumResults } from '../src/admin/loadtest/runner.js';
import { WorkerHandle } from '../src/admin/loadtest/workers.js';
import { readMetric } from '../test/helpers/metrics.js';
import { adminOf, startOurs, stopCluster, warningsIn } from './cluster.js';
import { closeWindow, openWindow, sumPids } from './cpu.js';
import { sleep } from './procs.js';

const log = (s: string): void => void process.stderr.write(`bench herd: ${s}\n`);

const INSTANCES = 3;
const ROOM_SIZE = 100;
/** The target: every client of the killed instance back and resumed within this (p99). */
export const HERD_DEADLINE_MS = 5000;
/** The target: no survivor's event loop lagging more than this (its p99 of a second). */
export const HERD_LAG_MS = 1000;
/** The most the herd may take before the run goes on without the stragglers. */
const HERD_WAIT_MS = 60_000;

export interface HerdResult {
  clients: number;
  instances: number;
  rooms: number;
  /** Messages per second asked of all users together. */
  rate: number;
  workers: number;
  usersSeconds: number;
  connectSeconds: number;
  connected: number;
  failed: number;
  errors: Record<string, number>;
  killedId: string;
  /** Connections the killed instance held by its last status before the kill. */
  onKilled: number;
  /** Users that lost their connection after joining, and of those, back in their room at the end. */
  dropped: number;
  back: number;
  /** Connections lost, by the instance the user was on (a survivor here dropped someone). */
  lostFrom: Record<string, number>;
  /** The same, by instance and why (`chat-1: ping timeout`). */
  lostWhy?: Record<string, number>;
  /** The survivors' warnings and errors in their logs over the run, `instance: message` -> count. */
  survivorWarnings?: Record<string, number>;
  /** Reconnect attempts that failed while users were away, by reason. */
  retries: Record<string, number>;
  /**
   * Upgrades each survivor dropped unserved because their client had already given up
   * (`chat_upgrades_abandoned_total`), by instance.
   */
  abandonedUpgrades?: Record<string, number>;
  /** Outages that ended (room resumed) within {@link HERD_DEADLINE_MS}, of all outages. */
  withinDeadline: number;
  outages: number;
  /** From the kill until no user was away any more (null: not within the wait). */
  allBackSeconds: number | null;
  resumeMs: Percentiles;
  /** The load tester's own account of the messages (sent, owed, delivered, lost, ...). */
  messages: LoadtestReport['messages'];
  latencyMs: Percentiles;
  /** Survivors' event-loop lag (p99 of each second, from their status), in ms. */
  lag: {
    beforeMaxMs: number;
    herdMaxMs: number;
    herdBySurvivor: Record<string, number>;
    /** Longest time between two status writes of a survivor in the herd (1000 when on time). */
    statusGapMaxMs: number;
    samples: number;
  };
  /** The instances' CPU per user connected and joined in the connect phase, ms. */
  connectCpuMs: number;
  /**
   * The survivors' CPU per user of the killed instance back in its room, ms: their CPU over
   * the herd less what they would have spent carrying the steady traffic meanwhile.
   */
  resumeCpuMs: number;
  /** Each instance's CPU over the steady phase before the kill, % of one core. */
  steadyPct: number[];
  /** CPU over the herd window (kill to all back + 2 s), in % of one core. */
  cpu: {
    seconds: number;
    survivorsPct: number[];
    redisPct: number;
    generatorsPct: number[];
    outsideCores: number;
  };
  /** Generators' CPU over the whole sending, % of one core each (are they the bottleneck?). */
  generatorsRunPct: number[];
  survivorsConnectionsAfter: Record<string, number>;
  loadStart: number;
  loadAtKill: number;
  loadAfterHerd: number;
  loadEnd: number;
  seconds: number;
  error?: string;
}

const load1 = (): number => Math.round(os.loadavg()[0]! * 100) / 100;
const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Users with a session each, through the admin bulk path (names are the users' own). */
async function createUsers(admin: Socket, prefix: string, n: number): Promise<VuSpec[]> {
  const specs: VuSpec[] = [];
  const rooms = Math.max(1, Math.round(n / ROOM_SIZE));
  while (specs.length < n) {
    const from = specs.length;
    const res = (await admin.timeout(60_000).emitWithAck('admin:users:create', {
      prefix,
      from,
      count: Math.min(1000, n - from),
      ttlSec: 3600,
    })) as { ok: boolean; data: { users: { name: string; token: string }[] } };
    if (!res.ok) throw new Error('admin:users:create failed');
    for (const u of res.data.users) {
      const index = specs.length;
      // A user starts on instance `index % INSTANCES` (serversOf): its room goes by the rest,
      // so every room has members on every instance, as behind a balancer.
      const room = `herd-${Math.floor(index / INSTANCES) % rooms}`;
      specs.push({ user: u.name, token: u.token, room, index });
    }
  }
  return specs;
}

async function status(admin: Socket): Promise<ClusterStatus | undefined> {
  try {
    const res = (await admin.timeout(5000).emitWithAck('admin:status', {})) as {
      ok: boolean;
      data: ClusterStatus;
    };
    return res.ok ? res.data : undefined;
  } catch {
    return undefined;
  }
}

interface LagSample {
  at: number;
  id: string;
  lagMs: number;
  updatedAt: number;
  connections: number;
}

/** Outages of at most `ms`, from an outage histogram's percentiles (3 significant digits). */
function countAtMost(encoded: string[], ms: number): { within: number; total: number } {
  const h = merge(encoded);
  const total = h.totalCount;
  if (total === 0) return { within: 0, total };
  if (h.maxValue <= ms * 1000) return { within: total, total };
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (h.getValueAtPercentile(mid) <= ms * 1000) lo = mid;
    else hi = mid;
  }
  return { within: Math.floor((lo / 100) * total), total };
}

export async function runHerd(o: {
  quick: boolean;
  count?: number;
  nodeArgs?: string[];
}): Promise<HerdResult> {
  const started = performance.now();
  const n = o.count ?? (o.quick ? 3000 : 30_000);
  const rooms = Math.max(1, Math.round(n / ROOM_SIZE));
  const rate = o.quick ? 50 : 100;
  // 10k users a worker (one process holds at most ~19,900 sockets); at least 2.
  const workerCount = Math.max(2, Math.ceil(n / 10_000));
  // 400 users a second: at 800 a second on this shared machine the 30k connect phase fell
  // behind, clients gave up on their handshakes after 5 s and retried, and it collapsed.
  const rampMs = Math.round(n * 2.5);
  const out: HerdResult = {
    clients: n,
    instances: INSTANCES,
    rooms,
    rate,
    workers: workerCount,
    usersSeconds: 0,
    connectSeconds: 0,
    connected: 0,
    failed: 0,
    errors: {},
    killedId: '',
    onKilled: 0,
    dropped: 0,
    back: 0,
    lostFrom: {},
    lostWhy: {},
    retries: {},
    withinDeadline: 0,
    outages: 0,
    allBackSeconds: null,
    resumeMs: { p50: 0, p95: 0, p99: 0, max: 0 },
    messages: { sent: 0, expected: 0, delivered: 0, lost: 0, duplicated: 0, failed: 0 },
    latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 },
    lag: { beforeMaxMs: 0, herdMaxMs: 0, herdBySurvivor: {}, statusGapMaxMs: 0, samples: 0 },
    cpu: { seconds: 0, survivorsPct: [], redisPct: 0, generatorsPct: [], outsideCores: 0 },
    generatorsRunPct: [],
    steadyPct: [],
    connectCpuMs: 0,
    resumeCpuMs: 0,
    survivorsConnectionsAfter: {},
    loadStart: load1(),
    loadAtKill: 0,
    loadAfterHerd: 0,
    loadEnd: 0,
    seconds: 0,
  };
  log(
    `${n} users in ${rooms} rooms at ${rate} msgs/s, ${INSTANCES} instances, ${workerCount} workers`,
  );
  const c = await startOurs({
    instances: INSTANCES,
    ...(o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}),
  });
  const workers: WorkerHandle[] = [];
  let poller: NodeJS.Timeout | undefined;
  try {
    const admin = adminOf(c);
    const t0u = performance.now();
    const specs = await createUsers(admin, 'ltherd', n);
    out.usersSeconds = round1((performance.now() - t0u) / 1000);
    log(`${n} users made in ${out.usersSeconds} s`);
    for (let k = 0; k < workerCount; k++) workers.push(new WorkerHandle(k));
    await Promise.all(workers.map((w) => w.next('ready', 15_000)));
    const genPids = workers.map((w) => w.proc.pid!);
    const t0 = Date.now() + 200;
    workers.forEach((w, k) => {
      // Each worker holds an equal share of every instance's users, so the herd's client side
      // is spread over all of them as over real clients, not all in the one process whose
      // users lived on the killed instance (that worker alone was the herd's limit).
      const vus = specs.filter((_, i) => Math.floor(i / INSTANCES) % workerCount === k);
      w.send({
        type: 'start',
        plan: {
          servers: c.urls,
          vus,
          clients: n,
          t0,
          rampMs,
          rate: (rate * vus.length) / n,
          connectTimeoutMs: 60_000,
        },
      });
    });
    const run = openWindow(genPids);
    const connecting = openWindow(c.pids);
    const sum = (f: (p: NonNullable<WorkerHandle['progress']>) => number): number =>
      workers.reduce((s, w) => s + (w.progress ? f(w.progress) : 0), 0);
    // Connected: every user in, or the connect deadline.
    const connectBy = t0 + rampMs + 90_000;
    while (Date.now() < connectBy) {
      await sleep(500);
      if (Date.now() > t0 + rampMs && sum((p) => p.connected + p.failed) >= n) break;
    }
    out.connectSeconds = round1((Date.now() - t0) / 1000);
    const connectCpu = closeWindow(connecting);
    out.connectCpuMs =
      Math.round(
        (sumPids(connectCpu, c.pids) /
          Math.max(
            1,
            sum((p) => p.connected),
          )) *
          1e5,
      ) / 100;
    log(
      `${sum((p) => p.connected)} connected, ${sum((p) => p.failed)} failed after ${out.connectSeconds} s`,
    );

    // The survivors' lag, from their status, every half second from here on.
    const samples: LagSample[] = [];
    const poll = async (): Promise<void> => {
      const s = await status(admin);
      const at = Date.now();
      for (const i of s?.instances ?? []) {
        samples.push({
          at,
          id: i.id,
          lagMs: i.loopLagMs,
          updatedAt: i.updatedAt,
          connections: i.connections,
        });
      }
    };
    poller = setInterval(() => void poll(), 500);
    const steady = openWindow(c.pids);
    await sleep(o.quick ? 5000 : 10_000);
    const steadyCpu = closeWindow(steady);
    out.steadyPct = c.pids.map((p) =>
      round1(((steadyCpu.byPid.get(p) ?? 0) / steadyCpu.seconds) * 100),
    );

    // The kill: the second instance (the admin connection is on the first).
    // Its status can be missing from one answer (a late write, an answer that timed out):
    // asked again for up to half a minute before the section gives up.
    let victim: ClusterStatus['instances'][number] | undefined;
    for (const until = Date.now() + 30_000; !victim && Date.now() < until;) {
      victim = (await status(admin))?.instances.find((i) => i.pid === c.pids[1]);
      if (!victim) await sleep(500);
    }
    if (!victim) throw new Error('no status of the instance to kill (asked for 30 s)');
    out.killedId = victim.id;
    out.onKilled = victim.connections;
    out.loadAtKill = load1();
    const survivorPids = c.pids.filter((p) => p !== victim.pid);
    const win = openWindow([...survivorPids, c.redisPid, ...genPids]);
    const killedAt = Date.now();
    c.procs[1]!.kill('SIGKILL');
    // The monotonic clock, as a CPU profile's timestamps read it: to cut the herd out of one.
    const mono = Number(process.hrtime.bigint() / 1000n);
    log(`SIGKILL ${victim.id} holding ${victim.connections} connections (monotonic ${mono} µs)`);
    while (Date.now() - killedAt < HERD_WAIT_MS) {
      await sleep(250);
      // Progress comes once a second: 3 s in, every worker has told of its losses.
      if (Date.now() - killedAt >= 3000 && sum((p) => p.away) === 0) {
        out.allBackSeconds = round1((Date.now() - killedAt) / 1000);
        break;
      }
    }
    log(
      `all back: ${out.allBackSeconds ?? `not within ${HERD_WAIT_MS / 1000} s (${sum((p) => p.away)} away)`}`,
    );
    await sleep(2000);
    const herdEnd = Date.now();
    const cpu = closeWindow(win);
    const pct = (pids: number[]): number => round1((sumPids(cpu, pids) / cpu.seconds) * 100);
    out.cpu = {
      seconds: round1(cpu.seconds),
      survivorsPct: survivorPids.map((p) => pct([p])),
      redisPct: pct([c.redisPid]),
      generatorsPct: genPids.map((p) => pct([p])),
      outsideCores: cpu.outsideCores,
    };
    out.loadAfterHerd = load1();
    // The steady traffic the survivors carried meanwhile: all three instances' steady rate.
    const steadyCores = out.steadyPct.reduce((s, x) => s + x, 0) / 100;
    const herdCpu = sumPids(cpu, survivorPids) - steadyCores * cpu.seconds;
    out.resumeCpuMs = Math.round((herdCpu / Math.max(1, victim.connections)) * 1e5) / 100;
    // Messages keep flowing after the herd, then the ledger's verdict.
    await sleep(o.quick ? 5000 : 10_000);
    clearInterval(poller);
    poller = undefined;
    const runCpu = closeWindow(run);
    out.generatorsRunPct = genPids.map((p) =>
      round1(((runCpu.byPid.get(p) ?? 0) / runCpu.seconds) * 100),
    );
    for (const w of workers) w.send({ type: 'stop' });
    const parts = await Promise.all(workers.map((w) => w.next('sent', 30_000)));
    const sent: Record<string, SentRef[]> = {};
    for (const part of parts) {
      for (const [room, refs] of Object.entries(part.sent)) (sent[room] ??= []).push(...refs);
    }
    for (const refs of Object.values(sent)) refs.sort((a, b) => compareIds(a.id, b.id));
    for (const w of workers) w.send({ type: 'verify', sent, drainMs: 30_000 });
    const results: WorkerResult[] = await Promise.all(
      workers.map((w) => w.next('result', 90_000).then((m) => m.result)),
    );
    summarise(out, results, samples, victim.id, killedAt, herdEnd);
    const after = await status(admin);
    for (const i of after?.instances ?? []) out.survivorsConnectionsAfter[i.id] = i.connections;
    out.abandonedUpgrades = {};
    for (const [i, url] of c.urls.entries()) {
      if (c.pids[i] === victim.pid) continue;
      const n = await readMetric(url, 'chat_upgrades_abandoned_total').catch(() => NaN);
      if (!Number.isNaN(n)) out.abandonedUpgrades[`chat-${i + 1}`] = n;
    }
    // What the survivors logged (a slow consumer cut off, a Redis command timed out, ...).
    out.survivorWarnings = {};
    c.pids.forEach((pid, i) => {
      const file = c.logs?.[i];
      if (pid === victim.pid || !file) return;
      const id = `chat-${i + 1}`;
      for (const [msg, n] of Object.entries(warningsIn(file))) {
        out.survivorWarnings![`${id}: ${msg}`] = n;
      }
    });
  } catch (err) {
    out.error = err instanceof Error ? err.message : String(err);
    log(`failed: ${out.error}`);
  } finally {
    clearInterval(poller);
    await Promise.all(workers.map((w) => w.close()));
    await stopCluster(
      c,
      o.nodeArgs?.some((a) => a.startsWith('--cpu-prof')) ? 'SIGTERM' : 'SIGKILL',
    );
  }
  out.loadEnd = load1();
  out.seconds = Math.round((performance.now() - started) / 1000);
  log(JSON.stringify(out));
  return out;
}

/** The workers' results and the status samples into the figures of the run. */
function summarise(
  out: HerdResult,
  results: WorkerResult[],
  samples: LagSample[],
  killedId: string,
  killedAt: number,
  herdEnd: number,
): void {
  // The load tester's own sums: the section reads them as `chat-admin loadtest` reports them.
  const t = sumResults(results);
  out.connected = t.connected;
  out.failed = t.failed;
  out.errors = t.errors;
  out.lostFrom = t.lostFrom;
  out.lostWhy = t.lostWhy;
  out.retries = t.retries;
  out.dropped = t.dropped;
  out.back = t.back;
  const resume = results.map((r) => r.resumeMs);
  out.resumeMs = percentiles(merge(resume));
  const w = countAtMost(resume, HERD_DEADLINE_MS);
  out.withinDeadline = w.within;
  out.outages = w.total;
  out.messages = messagesOf(t);
  out.latencyMs = percentiles(merge(results.map((r) => r.latencyMs)));
  const survivors = samples.filter((s) => s.id !== killedId);
  const inHerd = survivors.filter((s) => s.at >= killedAt && s.at <= herdEnd + 1000);
  out.lag.samples = inHerd.length;
  out.lag.beforeMaxMs = Math.max(
    0,
    ...survivors.filter((s) => s.at < killedAt).map((s) => s.lagMs),
  );
  out.lag.herdMaxMs = Math.max(0, ...inHerd.map((s) => s.lagMs));
  for (const s of inHerd) {
    out.lag.herdBySurvivor[s.id] = Math.max(out.lag.herdBySurvivor[s.id] ?? 0, s.lagMs);
  }
  // A survivor whose loop stalls writes its status late: the gaps between its writes.
  const byId = new Map<string, number[]>();
  for (const s of inHerd) byId.set(s.id, [...(byId.get(s.id) ?? []), s.updatedAt]);
  for (const times of byId.values()) {
    const u = [...new Set(times)].sort((a, b) => a - b);
    for (let i = 1; i < u.length; i++) {
      out.lag.statusGapMaxMs = Math.max(out.lag.statusGapMaxMs, u[i]! - u[i - 1]!);
    }
  }
}
