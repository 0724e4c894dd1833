import type { WorkerResult } from './messages.js';
import { percentiles, type Percentiles } from './histogram.js';
import type { Histogram } from './histogram.js';
import type { LoadtestOptions } from './options.js';
import { plural } from '../output.js';

/** One threshold: the limit asked for, what the run measured, and whether it held. */
export interface ThresholdCheck {
  limit: number;
  actual: number;
  passed: boolean;
}

/** The report `chat-admin loadtest --json` prints (documented in docs/load-testing.md). */
export interface LoadtestReport {
  clients: {
    requested: number;
    connected: number;
    failed: number;
    errors: Record<string, number>;
  };
  connectMs: Percentiles;
  messages: {
    sent: number;
    expected: number;
    delivered: number;
    lost: number;
    duplicated: number;
    /** Sends rejected or never acknowledged (not part of `sent`). */
    failed: number;
  };
  latencyMs: Percentiles;
  throughput: { sentPerSec: number; deliveredPerSec: number };
  reconnects: number;
  /**
   * Users whose connection was lost after they joined (an instance died, drained or cut them):
   * how many, how many were back in their room at the end, the losses by the instance they
   * were on, and each outage's length, from the loss to the room resumed on a new connection.
   */
  lostConnection: {
    users: number;
    back: number;
    byInstance: Record<string, number>;
    /** The same losses by instance and why (`chat-1: ping timeout`): who gave up on whom. */
    why: Record<string, number>;
    /** Reconnect attempts that failed while users were away, by reason (how outages grew). */
    retries: Record<string, number>;
    resumeMs: Percentiles;
  };
  instances: Record<string, number>;
  servers: { id: string; cpuPct: number | null; rssBytes: number }[];
  passed: boolean;
  /** Why the run measured nothing worth a verdict (no message sent), whatever the thresholds. */
  problems: string[];
  thresholds: {
    maxP99Ms?: ThresholdCheck;
    maxLost?: ThresholdCheck;
    maxConnectFail?: ThresholdCheck;
    maxSendFail?: ThresholdCheck;
  };
  run: {
    server: string;
    rooms: number;
    rate: number;
    durationSec: number;
    rampSec: number;
    workers: number;
  };
}

/** A run's counts summed over the workers (their results less the encoded histograms). */
export type Totals = Omit<WorkerResult, 'connectMs' | 'latencyMs' | 'resumeMs'>;

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** The report's account of the messages, from the workers' summed counts. */
export function messagesOf(t: Totals): LoadtestReport['messages'] {
  return {
    sent: t.sent,
    expected: t.expected,
    delivered: t.delivered,
    lost: t.lost,
    duplicated: t.duplicated,
    failed: t.sendFailed,
  };
}

export function buildReport(input: {
  server: string;
  opts: LoadtestOptions;
  totals: Totals;
  connect: Histogram;
  latency: Histogram;
  /** Connection lost to room resumed, per outage. */
  resume: Histogram;
  /** Seconds during which messages were being sent. */
  sendSeconds: number;
  servers: LoadtestReport['servers'];
}): LoadtestReport {
  const { opts, totals: t } = input;
  const latencyMs = percentiles(input.latency);
  const check = (limit: number | undefined, actual: number): ThresholdCheck | undefined =>
    limit === undefined ? undefined : { limit, actual, passed: actual <= limit };
  const thresholds: LoadtestReport['thresholds'] = {};
  const p99 = check(opts.maxP99Ms, latencyMs.p99);
  const lost = check(opts.maxLost, t.lost);
  const cf = check(opts.maxConnectFail, t.failed);
  if (p99) thresholds.maxP99Ms = p99;
  if (lost) thresholds.maxLost = lost;
  if (cf) thresholds.maxConnectFail = cf;
  const sf = check(opts.maxSendFail, t.sendFailed);
  if (sf) thresholds.maxSendFail = sf;
  const secs = Math.max(input.sendSeconds, 0.001);
  // A run that sent nothing checked nothing: no threshold can pass it.
  const problems =
    t.sent === 0 && t.connected > 0 && (opts.rate * opts.durationMs) / 1000 >= 1
      ? [
          `no message was sent (${plural(t.connected, 'client')} connected, ${opts.rate} msgs/s asked, ${t.sendFailed} sends failed)`,
        ]
      : [];
  return {
    clients: {
      requested: t.requested,
      connected: t.connected,
      failed: t.failed,
      errors: t.errors,
    },
    connectMs: percentiles(input.connect),
    messages: messagesOf(t),
    latencyMs,
    throughput: { sentPerSec: round1(t.sent / secs), deliveredPerSec: round1(t.delivered / secs) },
    reconnects: t.reconnects,
    lostConnection: {
      users: t.dropped,
      back: t.back,
      byInstance: t.lostFrom,
      why: t.lostWhy,
      retries: t.retries,
      resumeMs: percentiles(input.resume),
    },
    instances: t.instances,
    servers: input.servers,
    passed: problems.length === 0 && Object.values(thresholds).every((c) => c.passed),
    problems,
    thresholds,
    run: {
      server: input.server,
      rooms: opts.rooms,
      rate: opts.rate,
      durationSec: opts.durationMs / 1000,
      rampSec: opts.rampMs / 1000,
      workers: opts.workers,
    },
  };
}

const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const pct = (p: Percentiles): string => `p50 ${p.p50}  p95 ${p.p95}  p99 ${p.p99}  max ${p.max}`;

/** Users that lost their connection: how many came back, from where, how fast (ms). */
function lostLines(l: LoadtestReport['lostConnection'], clean: (s: string) => string): string[] {
  if (l.users === 0) return ['lost conn    no user lost its connection after joining'];
  const from = Object.entries(l.byInstance)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([id, n]) => `${clean(id)}: ${n}`);
  return [
    `lost conn    ${plural(l.users, 'user')} lost a connection, ${l.back} back in their room (losses by instance: ${from.join(', ')})`,
    `resumed ms   ${pct(l.resumeMs)} (connection lost to room resumed)`,
    ...Object.entries(l.why)
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([k, v]) => `  ${v} x lost on ${clean(k)}`),
    ...Object.entries(l.retries).map(([k, v]) => `  ${v} x retried after: ${clean(k)}`),
  ];
}

/** The report for people: one fact per line, thresholds last. */
export function renderReport(r: LoadtestReport, clean: (s: string) => string): string[] {
  const run = r.run;
  const where = Object.entries(r.instances)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([id, n]) => `${clean(id)}: ${plural(n, 'user')}`);
  const lines = [
    `run          ${plural(r.clients.requested, 'client')} in ${plural(run.rooms, 'room')} at ${run.rate} msgs/s`,
    `             ${run.rampSec} s ramp, ${run.durationSec} s steady, ${plural(run.workers, 'worker')}, ${clean(run.server)}`,
    `clients      ${r.clients.connected}/${r.clients.requested} connected, ${r.clients.failed} failed`,
    ...Object.entries(r.clients.errors).map(([k, v]) => `  ${v} x ${clean(k)}`),
    `connect ms   ${pct(r.connectMs)}`,
    `messages     ${r.messages.sent} sent, ${r.messages.expected} deliveries expected, ${r.messages.delivered} delivered`,
    `             ${r.messages.lost} lost, ${r.messages.duplicated} duplicated, ${r.messages.failed} sends failed`,
    `latency ms   ${pct(r.latencyMs)}`,
    `throughput   ${r.throughput.sentPerSec} msgs/s in, ${r.throughput.deliveredPerSec} deliveries/s out`,
    `reconnects   ${r.reconnects}`,
    ...lostLines(r.lostConnection, clean),
    `instances    ${where.length > 0 ? `${where.join(', ')} connected at the end` : 'no user connected at the end'}`,
    ...r.servers.map(
      (s) =>
        `server       ${clean(s.id)}: cpu ${s.cpuPct === null ? '-' : `${s.cpuPct}%`}, rss ${mib(s.rssBytes)}`,
    ),
  ];
  for (const [name, c] of Object.entries(r.thresholds)) {
    lines.push(`threshold    ${name} ${c.limit}: ${c.actual} ${c.passed ? 'ok' : 'FAILED'}`);
  }
  for (const p of r.problems) lines.push(`problem      ${p}`);
  lines.push(r.passed ? 'result       passed' : 'result       FAILED');
  return lines;
}
