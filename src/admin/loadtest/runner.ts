import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { compareIds, type ClusterStatus } from '../../protocol/index.js';
import type { AdminClient } from '../connection.js';
import { AdminError, ExitCode } from '../exit-codes.js';
import { cpuPct, isLocal, sampleCpu, type CpuSample } from './cpu.js';
import { merge, percentiles } from './histogram.js';
import type { SentRef, VuSpec, WorkerResult } from './messages.js';
import type { LoadtestOptions } from './options.js';
import { buildReport, type LoadtestReport, type Totals } from './report.js';
import { WorkerHandle } from './workers.js';

/** What the live view shows while a run is under way. */
export interface LiveState {
  phase: 'users' | 'ramp' | 'steady' | 'drain' | 'cleanup';
  /** Time through the sending (ramp and steady phase); it stops when the sending does. */
  elapsedMs: number;
  rampMs: number;
  /** How long the sending lasts: ramp and steady phase. */
  totalMs: number;
  /** The most the drain may take. */
  drainMs: number;
  requested: number;
  connected: number;
  failed: number;
  sent: number;
  delivered: number;
  deliveredPerSec: number;
  p99Ms: number;
}

export interface LiveView {
  update(s: LiveState): void;
  /** Something went wrong that does not change the report (e.g. the cleanup). */
  warn(line: string): void;
  stop(): void;
}

/** The sending phase `elapsedMs` into the run: the ramp, then the steady phase. */
export function sendingPhase(elapsedMs: number, rampMs: number): 'ramp' | 'steady' {
  return elapsedMs < rampMs ? 'ramp' : 'steady';
}

const CREATE_CHUNK = 1000;
const CLEANUP_CHUNK = 500;

/** Creates the run's users through the admin bulk path, in chunks. */
async function createUsers(
  admin: AdminClient,
  prefix: string,
  count: number,
  ttlSec: number,
): Promise<{ name: string; token: string }[]> {
  const users: { name: string; token: string }[] = [];
  for (let from = 0; from < count; from += CREATE_CHUNK) {
    const res = await admin.call('admin:users:create', {
      prefix,
      from,
      count: Math.min(CREATE_CHUNK, count - from),
      ttlSec,
    });
    users.push(...res.users);
  }
  return users;
}

async function cleanup(admin: AdminClient, users: string[], rooms: string[]): Promise<void> {
  for (let i = 0; i < Math.max(users.length, rooms.length); i += CLEANUP_CHUNK) {
    await admin.call('admin:loadtest:cleanup', {
      users: users.slice(i, i + CLEANUP_CHUNK),
      rooms: rooms.slice(i, i + CLEANUP_CHUNK),
    });
  }
}

/** Adds `from`'s counts into `into`, key by key. */
function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** The workers' results summed (their histograms are merged apart). */
export function sumResults(results: WorkerResult[]): Totals {
  const t: Totals = {
    requested: 0,
    connected: 0,
    failed: 0,
    errors: {},
    sent: 0,
    sendFailed: 0,
    expected: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    reconnects: 0,
    instances: {},
    dropped: 0,
    back: 0,
    lostFrom: {},
    lostWhy: {},
    retries: {},
  };
  for (const r of results) {
    for (const k of [
      'requested',
      'connected',
      'failed',
      'sent',
      'sendFailed',
      'expected',
      'delivered',
      'lost',
      'duplicated',
      'reconnects',
      'dropped',
      'back',
    ] as const) {
      t[k] += r[k];
    }
    addCounts(t.errors, r.errors);
    addCounts(t.instances, r.instances);
    addCounts(t.lostFrom, r.lostFrom);
    addCounts(t.lostWhy, r.lostWhy);
    addCounts(t.retries, r.retries);
  }
  // Users that never got to try (a worker died) count as failed too.
  t.failed = t.requested - t.connected;
  return t;
}

/**
 * Runs one load test: users through the bulk path, K worker processes with their share of
 * virtual users, a ramp, steady sending, a drain in which every user checks it got every
 * message of its room, then the report and the cleanup. Every phase is bounded in time.
 */
export async function runLoadtest(
  admin: AdminClient,
  server: string,
  opts: LoadtestOptions,
  view: LiveView,
): Promise<LoadtestReport> {
  const runId = randomBytes(4).toString('hex');
  const prefix = `lt${runId}`;
  const rooms = Array.from({ length: opts.rooms }, (_, i) => `${prefix}-r${i}`);
  const totalMs = opts.rampMs + opts.durationMs;
  const ttlSec = Math.max(600, Math.ceil((totalMs + opts.drainMs) / 1000) + 600);
  const live: LiveState = {
    phase: 'users',
    elapsedMs: 0,
    rampMs: opts.rampMs,
    totalMs,
    drainMs: opts.drainMs,
    requested: opts.clients,
    connected: 0,
    failed: 0,
    sent: 0,
    delivered: 0,
    deliveredPerSec: 0,
    p99Ms: 0,
  };
  view.update(live);

  const before = await admin.call('admin:status', {});
  const users = await createUsers(admin, prefix, opts.clients, ttlSec);
  const specs: VuSpec[] = users.map((u, i) => ({
    user: u.name,
    token: u.token,
    room: rooms[i % rooms.length]!,
    index: i,
  }));
  const workers = Array.from({ length: opts.workers }, (_, i) => new WorkerHandle(i));
  const pids = (s: ClusterStatus): number[] => s.instances.map((i) => i.pid);
  const local = isLocal(server);
  let cpuFrom: CpuSample | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  // Ctrl-C or SIGTERM ends the run early, but still through the cleanup below.
  let onSignal = (): void => undefined;
  const interrupted = new Promise<never>((_, reject) => {
    onSignal = () =>
      reject(new AdminError(ExitCode.Failed, 'interrupted; the run stopped before its report'));
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // SIGUSR2 ends the sending early; the run then drains and reports as usual. A script can
  // so keep the load on for exactly as long as something else takes (a rolling restart).
  const endSending = new AbortController();
  const onEndSending = (): void => endSending.abort();
  process.once('SIGUSR2', onEndSending);
  const body = async (): Promise<LoadtestReport> => {
    await Promise.all(workers.map((w) => w.next('ready', 15_000)));
    const t0 = Date.now() + 200;
    workers.forEach((w, k) =>
      w.send({
        type: 'start',
        plan: {
          servers: [server],
          vus: specs.filter((_, i) => i % opts.workers === k),
          clients: opts.clients,
          t0,
          rampMs: opts.rampMs,
          rate: (opts.rate * specs.filter((_, i) => i % opts.workers === k).length) / opts.clients,
          connectTimeoutMs: 15_000,
        },
      }),
    );
    if (local) cpuFrom = sampleCpu(pids(before));
    let sending = true;
    const through = (): number => Math.min(totalMs, Math.max(0, Date.now() - t0));
    live.phase = sendingPhase(0, opts.rampMs);
    view.update(live);
    let lastDelivered = 0;
    let lastAt = performance.now();
    progressTimer = setInterval(() => {
      const ps = workers.flatMap((w) => (w.progress ? [w.progress] : []));
      const now = performance.now();
      if (sending) {
        live.elapsedMs = through();
        live.phase = sendingPhase(live.elapsedMs, opts.rampMs);
      }
      live.connected = ps.reduce((n, p) => n + p.connected, 0);
      live.failed = ps.reduce((n, p) => n + p.failed, 0);
      live.sent = ps.reduce((n, p) => n + p.sent, 0);
      live.delivered = ps.reduce((n, p) => n + p.delivered, 0);
      live.deliveredPerSec = Math.round(((live.delivered - lastDelivered) * 1000) / (now - lastAt));
      lastDelivered = live.delivered;
      lastAt = now;
      live.p99Ms = percentiles(merge(ps.map((p) => p.latency))).p99;
      view.update(live);
    }, 1000);

    await delay(Math.max(0, t0 + totalMs - Date.now()), undefined, {
      signal: endSending.signal,
    }).catch(() => undefined);
    sending = false;
    live.elapsedMs = through();
    live.phase = 'drain';
    view.update(live);
    for (const w of workers) w.send({ type: 'stop' });
    const sentParts = await Promise.all(workers.map((w) => w.next('sent', 30_000)));
    const sendSeconds = (Date.now() - t0) / 1000;
    const sent: Record<string, SentRef[]> = {};
    for (const part of sentParts) {
      for (const [room, refs] of Object.entries(part.sent)) (sent[room] ??= []).push(...refs);
    }
    for (const refs of Object.values(sent)) refs.sort((a, b) => compareIds(a.id, b.id));
    for (const w of workers) w.send({ type: 'verify', sent, drainMs: opts.drainMs });
    const results = await Promise.all(
      workers.map((w) => w.next('result', opts.drainMs + 60_000).then((m) => m.result)),
    );
    clearInterval(progressTimer);

    const after = await admin.call('admin:status', {});
    const cpuTo = local ? sampleCpu(pids(after)) : undefined;
    const servers = after.instances.map((i) => ({
      id: i.id,
      cpuPct: cpuFrom && cpuTo ? cpuPct(i.pid, cpuFrom, cpuTo) : null,
      rssBytes: i.rssBytes,
    }));
    const totals = sumResults(results);
    const report = buildReport({
      server,
      opts,
      totals,
      connect: merge(results.map((r) => r.connectMs)),
      latency: merge(results.map((r) => r.latencyMs)),
      resume: merge(results.map((r) => r.resumeMs)),
      sendSeconds: Math.min(sendSeconds, totalMs / 1000),
      servers,
    });
    // The last figures shown are the report's own: the live ones are the workers' last
    // progress, up to a second old, without the acknowledgements that came in while they
    // stopped (the live sent came out short of the report's).
    Object.assign(live, {
      phase: 'cleanup',
      connected: totals.connected,
      failed: totals.failed,
      sent: report.messages.sent,
      delivered: report.messages.delivered,
      p99Ms: report.latencyMs.p99,
    } satisfies Partial<LiveState>);
    view.update(live);
    return report;
  };
  try {
    return await Promise.race([body(), interrupted]);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGUSR2', onEndSending);
    clearInterval(progressTimer);
    await Promise.all(workers.map((w) => w.close()));
    await cleanup(
      admin,
      users.map((u) => u.name),
      rooms,
    ).catch((err: unknown) =>
      view.warn(
        `could not remove the run's users and rooms (${err instanceof Error ? err.message : String(err)}); they expire within ${ttlSec} s`,
      ),
    );
    view.stop();
  }
}
