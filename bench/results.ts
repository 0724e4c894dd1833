/** bench/RESULTS.md from one run's figures: the table of every figure, then the sections. */
import { lineFit, median } from './fit.js';
import { kneeOf, CLIENTS, ROOM_SIZE, type FanoutResult, type Point } from './fanout.js';
import type { GeneratorsResult } from './generators.js';
import type { IdleTier } from './idle.js';
import { IDLE_ROOMS } from './idle.js';
import type { HundredK } from './p100k.js';
import type { HerdResult } from './herd.js';
import type { StormResult } from './storm.js';
import { PING_INTERVAL_MS, PING_TIMEOUT_MS } from '../src/server/transport/dispatch.js';
import { herdRows, herdSection } from './results-herd.js';
import type { Kind } from './protocols.js';
import type { RedisDelta } from './redis-stats.js';
import type { KneeRow } from './knee.js';
import type { ReceivedRow } from './scale.js';

export interface Results {
  date: string;
  /** The commit measured. */
  commit: string;
  /** Sections that failed, and why (the run went on without them). */
  errors: Record<string, string>;
  machine: string;
  quick: boolean;
  sections: string[];
  seconds: number;
  /** Load averages (1, 5, 15 min) when the run began and ended. */
  loadStart: number[];
  loadEnd: number[];
  rssStart?: Record<Kind, number[]>;
  /**
   * The instances' RSS once ours' sessions were made (admin bulk path), before any client:
   * what the idle tiers' memory per connection grows from.
   */
  rssBase?: Record<Kind, number[]>;
  /**
   * Ours' Redis while its instances run with no client at all (their beats and status
   * writes): the capacity model's per-instance Redis cost.
   */
  redisBare?: RedisDelta & { instances: number; redisCpuSeconds: number };
  tokensSeconds?: number;
  /** Redis over the making of the sessions the sections use (one account and session each). */
  sessionsRedis?: RedisDelta & { sessions: number };
  idle?: IdleTier[];
  fanout?: FanoutResult;
  generators?: GeneratorsResult;
  hundredK?: HundredK;
  scale?: { received: ReceivedRow[]; knee: KneeRow[] };
  herd?: HerdResult;
  storm?: StormResult;
}

const r2 = (n: number): string => (Math.round(n * 100) / 100).toString();
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
/** A tier's RSS reads over its hold, as KiB per connection over start (lowest-highest). */
const readRange = (t: IdleTier): string => {
  if (!t.rssRange) return `${t.kind} one read`;
  const perConn = (rss: number): string =>
    ((t.bytesPerConn + (rss - t.rssBytes) / t.connections) / 1024).toFixed(1);
  return `${t.kind} ${perConn(t.rssRange.min)}-${perConn(t.rssRange.max)}`;
};
const k = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));
/** ours / plain; undefined when both are zero (nothing measurable), Infinity when only plain is. */
const ratioOf = (ours: number, plain: number): number | undefined =>
  plain > 0 ? ours / plain : ours > 0 ? Infinity : undefined;
const fmtRatio = (x: number | undefined): string =>
  x === undefined ? '-' : x === Infinity ? 'inf (plain 0)' : `${x.toFixed(2)}x`;
const verdict = (x: number | undefined, ok: (x: number) => boolean): string =>
  x === undefined ? '-' : ok(x) ? 'met' : '**missed**';
const loadSpan = (a: number[], b: number[]): string =>
  a.length === 0 ? '-' : `${r2(Math.min(...a))}-${r2(Math.max(...b, ...a))}`;

/** A row's target: its words in the tables, and the rule that says met or missed. */
interface Target {
  target: string;
  ok?: (x: number) => boolean;
}
const atMost = (x: string): Target => ({ target: `<= ${x}x`, ok: (r) => r <= Number(x) });
const atLeast = (x: string): Target => ({ target: `>= ${x}x`, ok: (r) => r >= Number(x) });
const reported = (words = 'reported'): Target => ({ target: words });

/** Every target of the run, written once (ours / plain, in the same run). */
export const TARGETS = {
  cpuPerDelivery: atMost('0.9'),
  p99Latency: atMost('1.0'),
  fanoutKnee: atLeast('1.2'),
  idleInstanceCpu: atMost('1.5'),
  idleRedisCpu: reported(),
  idleTotalCpu: atMost('1.5'),
  memoryPerConnection: atMost('1.0'),
  connectRate: atLeast('1.0'),
  rssAtStart: atMost('1.3'),
  rssAfterStorm: atMost('1.3'),
  generatorEfficiency: atLeast('2'),
  reported: reported(),
} as const satisfies Record<string, Target>;

interface Row {
  measure: string;
  plain: string;
  ours: string;
  ratio: number | undefined;
  target: string;
  ok?: (x: number) => boolean;
  /** A status that is not a ratio's (ours alone). */
  status?: string;
  spread: string;
  load: string;
}

/** The instances' CPU (cores) against deliveries/s over a system's headline points. */
export function fanoutLine(
  f: FanoutResult,
  kind: Kind,
): { slope: number; intercept: number } | undefined {
  return lineFit(
    f.points
      .filter((p) => p.kind === kind)
      .map((p) => ({ x: p.deliveredPerSec, y: p.serverCores })),
  );
}

function fanoutRows(f: FanoutResult): Row[] {
  const rows: Row[] = [];
  for (const rate of f.rates) {
    const of = (kind: Kind): Point[] => f.points.filter((p) => p.kind === kind && p.rate === rate);
    const us = (kind: Kind): number[] => of(kind).map((p) => p.usPerDelivery);
    const all = [...of('ours'), ...of('plain')];
    const mo = median(us('ours'));
    const mp = median(us('plain'));
    // Paired ratios (rep i of ours over rep i of plain): how much the ratio itself moved.
    const pairs = of('ours').flatMap((p) => {
      const q = of('plain').find((x) => x.rep === p.rep);
      return q && q.usPerDelivery > 0 ? [p.usPerDelivery / q.usPerDelivery] : [];
    });
    const disturbed = all.filter((p) => p.disturbed).length;
    rows.push({
      measure: `server CPU µs per delivery, ${k(rate * ROOM_SIZE)} deliveries/s (${rate} msgs/s in)`,
      plain: r2(mp),
      ours: r2(mo),
      ratio: ratioOf(mo, mp),
      ...TARGETS.cpuPerDelivery,
      spread: `plain ${r2(Math.min(...us('plain')))}-${r2(Math.max(...us('plain')))}, ours ${r2(Math.min(...us('ours')))}-${r2(Math.max(...us('ours')))}; ratio ${pairs.length ? `${r2(Math.min(...pairs))}-${r2(Math.max(...pairs))}` : '-'} (n=${us('ours').length}+${us('plain').length}${disturbed ? `, ${disturbed} disturbed` : ''})`,
      load: loadSpan(
        all.map((p) => p.loadStart),
        all.map((p) => p.loadEnd),
      ),
    });
    const p99 = (kind: Kind): number[] => of(kind).map((p) => p.p99);
    const lo = median(p99('ours'));
    const lp = median(p99('plain'));
    rows.push({
      measure: `delivery latency p99 ms, ${k(rate * ROOM_SIZE)} deliveries/s (median of runs)`,
      plain: r2(lp),
      ours: r2(lo),
      ratio: ratioOf(lo, lp),
      ...TARGETS.p99Latency,
      spread: `plain ${p99('plain').map(r2).join(', ')}; ours ${p99('ours').map(r2).join(', ')}`,
      load: loadSpan(
        all.map((p) => p.loadStart),
        all.map((p) => p.loadEnd),
      ),
    });
  }
  // Marginal cost: the slope of the instances' CPU against deliveries/s over every headline
  // point (least squares); the intercept is what the instances spend with no traffic.
  const fit = (kind: Kind): { us: number; idleCores: number } | undefined => {
    const line = fanoutLine(f, kind);
    return line && { us: line.slope * 1e6, idleCores: line.intercept };
  };
  const fp = fit('plain');
  const fo = fit('ours');
  if (fp && fo) {
    rows.push({
      measure: 'server CPU µs per delivery, marginal (slope over the rates above)',
      plain: r2(fp.us),
      ours: r2(fo.us),
      ratio: ratioOf(fo.us, fp.us),
      ...TARGETS.cpuPerDelivery,
      spread: `intercept (CPU with no traffic): plain ${r2(fp.idleCores * 100)} %, ours ${r2(fo.idleCores * 100)} % of a core`,
      load: loadSpan(
        f.points.map((p) => p.loadStart),
        f.points.map((p) => p.loadEnd),
      ),
    });
  }
  // A headline rate counts by its median run (by p99): a first run's warm-up or one
  // disturbed run does not decide the knee for either system; the climb's points run once.
  const steps = (kind: Kind): Point[] => [
    ...f.rates.flatMap((rate) => {
      const runs = f.points
        .filter((p) => p.kind === kind && p.rate === rate)
        .sort((a, b) => a.p99 - b.p99);
      const median = runs[Math.floor((runs.length - 1) / 2)];
      return median ? [median] : [];
    }),
    ...f.knee.filter((p) => p.kind === kind),
  ];
  const kp = kneeOf(steps('plain'));
  const ko = kneeOf(steps('ours'));
  const label = (x: { deliveredPerSec: number; reached: boolean }): string =>
    `${k(x.deliveredPerSec)}${x.reached ? '' : ' (not reached)'}`;
  rows.push({
    measure: 'fan-out knee, deliveries/s (p99 < 100 ms, >= 99 % delivered)',
    plain: label(kp),
    ours: label(ko),
    ratio: ratioOf(ko.deliveredPerSec, kp.deliveredPerSec),
    ...TARGETS.fanoutKnee,
    spread: 'headline rates by their median run, the climb one run each',
    load: loadSpan(
      f.knee.map((p) => p.loadStart),
      f.knee.map((p) => p.loadEnd),
    ),
  });
  return rows;
}

function idleRows(idle: IdleTier[]): Row[] {
  const rows: Row[] = [];
  const tiers = [...new Set(idle.map((t) => t.connections))];
  for (const n of tiers) {
    const p = idle.find((t) => t.kind === 'plain' && t.connections === n);
    const o = idle.find((t) => t.kind === 'ours' && t.connections === n);
    if (!p || !o) continue;
    const note = (t: IdleTier): string =>
      `${t.kind} outside ${Math.round(t.outsideCores * 100)} %${t.disturbed ? ' (disturbed)' : ''}`;
    /** The windows' figures, when the run kept them (a median of three). */
    const holds = (t: IdleTier, of: number[] | undefined): string =>
      of && of.length > 1 ? `${t.kind} ${Math.min(...of)}-${Math.max(...of)}` : '';
    const held = (t: IdleTier): string =>
      t.serverPcts && t.serverPcts.length > 1
        ? `median of ${t.serverPcts.length} holds of ${r2(t.holdSeconds / t.serverPcts.length)} s each`
        : `one ${t.holdSeconds} s hold each`;
    const spreadOf = (pick: (t: IdleTier) => number[] | undefined): string => {
      const parts = [holds(p, pick(p)), holds(o, pick(o))].filter(Boolean);
      return parts.length ? `; windows ${parts.join(', ')}` : '';
    };
    const load = loadSpan([p.loadStart, o.loadStart], [p.loadEnd, o.loadEnd]);
    rows.push({
      measure: `idle: instances' CPU holding ${k(n)} connections (% of a core)`,
      plain: String(p.serverPct),
      ours: String(o.serverPct),
      ratio: ratioOf(o.serverPct, p.serverPct),
      ...TARGETS.idleInstanceCpu,
      spread: `${held(o)}${spreadOf((t) => t.serverPcts)}; ${note(p)}, ${note(o)}`,
      load,
    });
    rows.push({
      measure: `idle: Redis CPU holding ${k(n)} connections (% of a core)`,
      plain: String(p.redisPct),
      ours: String(o.redisPct),
      ratio: ratioOf(o.redisPct, p.redisPct),
      ...TARGETS.idleRedisCpu,
      spread: `the same holds${spreadOf((t) => t.redisPcts)}`,
      load,
    });
    rows.push({
      measure: `idle: instances + Redis holding ${k(n)} connections (% of a core)`,
      plain: r2(p.serverPct + p.redisPct),
      ours: r2(o.serverPct + o.redisPct),
      ratio: ratioOf(o.serverPct + o.redisPct, p.serverPct + p.redisPct),
      ...TARGETS.idleTotalCpu,
      spread: 'the same holds',
      load,
    });
  }
  const last = tiers.at(-1);
  const p = idle.find((t) => t.kind === 'plain' && t.connections === last);
  const o = idle.find((t) => t.kind === 'ours' && t.connections === last);
  if (p && o && last) {
    rows.push({
      measure: `memory per idle connection at ${k(last)} (RSS growth over the instances' idle RSS before any client)`,
      plain: kib(p.bytesPerConn),
      ours: kib(o.bytesPerConn),
      ratio: ratioOf(o.bytesPerConn, p.bytesPerConn),
      ...TARGETS.memoryPerConnection,
      spread: `median of ${o.rssRange?.reads ?? 1} RSS reads over the hold; ${[p, o].map(readRange).join(', ')}; at ${k(tiers[0]!)}: plain ${kib(idle.find((t) => t.kind === 'plain')!.bytesPerConn)}, ours ${kib(idle.find((t) => t.kind === 'ours')!.bytesPerConn)}`,
      load: loadSpan([p.loadStart, o.loadStart], [p.loadEnd, o.loadEnd]),
    });
  }
  const rates = (kind: Kind): number[] =>
    idle.filter((t) => t.kind === kind).map((t) => t.connectPerSec);
  const mp = median(rates('plain'));
  const mo = median(rates('ours'));
  rows.push({
    measure: 'connect rate, connections/s (ours with a session token; median of tiers)',
    plain: String(Math.round(mp)),
    ours: String(Math.round(mo)),
    ratio: ratioOf(mo, mp),
    ...TARGETS.connectRate,
    spread: `plain ${rates('plain').join(', ')}; ours ${rates('ours').join(', ')}`,
    load: loadSpan(
      idle.map((t) => t.loadStart),
      idle.map((t) => t.loadEnd),
    ),
  });
  return rows;
}

function rssRow(rss: Record<Kind, number[]>, load: string): Row {
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  return {
    measure: 'RSS per instance at start, before any client',
    plain: mib(mean(rss.plain)),
    ours: mib(mean(rss.ours)),
    ratio: ratioOf(mean(rss.ours), mean(rss.plain)),
    ...TARGETS.rssAtStart,
    spread: `plain ${rss.plain.map(mib).join(' / ')}; ours ${rss.ours.map(mib).join(' / ')}`,
    load,
  };
}

function generatorRow(g: GeneratorsResult): Row {
  return {
    measure: `generator: virtual-user seconds per generator CPU-second, ${k(g.users)} chatting users (plain column: Artillery)`,
    plain: String(g.artillery.vuSecondsPerCpuSecond),
    ours: String(g.ours.vuSecondsPerCpuSecond),
    ratio: ratioOf(g.ours.vuSecondsPerCpuSecond, g.artillery.vuSecondsPerCpuSecond),
    ...TARGETS.generatorEfficiency,
    spread: `one run each: Artillery ${g.artillery.cpuSeconds} CPU-s for ${g.artillery.vuSeconds} VU-s, ours ${g.ours.cpuSeconds} CPU-s for ${g.ours.vuSeconds} VU-s`,
    load: '-',
  };
}

function hundredKRows(h: HundredK): Row[] {
  const rss = h.rssBytes.length ? h.rssBytes : [0];
  const load = `${r2(h.loadStart)}-${r2(h.loadEnd)}`;
  const connected = h.held;
  const name = `${k(h.asked)} profile (ours only)`;
  const holdDrops = h.holdDrops ? Object.values(h.holdDrops).reduce((s, v) => s + v, 0) : undefined;
  return [
    {
      measure: `${name}: logged-in connections held at once, open at the last notice (${h.instances} instances)`,
      plain: '-',
      ours: `${connected}${h.error ? ` (${h.error})` : ''}`,
      ratio: undefined,
      target: `${h.asked}`,
      status: connected >= h.asked ? 'met' : '**missed**',
      spread: [
        h.limits.limitedBy ? `limited by ${h.limits.limitedBy}` : 'one run',
        `${h.connected} connected by the end of the connect phase`,
        h.connectRetried ? `${h.connectRetried} tries retried` : '',
        h.connectFailed ? `${h.connectFailed} failed ${h.connectTries ?? 1} tries` : '',
        Object.keys(h.drops).length
          ? `dropped later: ${Object.entries(h.drops)
              .map(([w, n]) => `${w} ${n}`)
              .join(', ')}`
          : '',
        h.connectSkipped
          ? h.connectStallSec !== undefined
            ? `${h.connectSkipped} not tried (connecting stalled ${h.connectStallSec} s)`
            : `${h.connectSkipped} not tried within the ${h.connectDeadlineSec} s connect deadline`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
      load,
    },
    {
      measure: `${name}: time to connect all (connections/s) / to join ${h.rooms} rooms`,
      plain: '-',
      ours: `${h.connectSeconds} s${h.connectsPerSec ? ` (${h.connectsPerSec}/s)` : ''} / ${h.joinSeconds} s`,
      ratio: undefined,
      ...TARGETS.reported,
      spread: [
        `sessions made in ${h.tokensSeconds} s`,
        h.client ? `generators on ${h.client}` : '',
        h.serverConnectUsPerConn !== undefined
          ? `CPU per connect: instances ${h.serverConnectUsPerConn} µs, generators ${h.generatorConnectUsPerConn} µs`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
      load,
    },
    {
      measure: `${name}: RSS per instance, at start / holding the connections`,
      plain: '-',
      ours: `${mib(Math.max(...h.rssStartBytes, 0))} / ${mib(Math.max(...rss))} (largest)`,
      ratio: undefined,
      ...TARGETS.reported,
      spread: `${rss.map(mib).join(' / ')}${h.rssPerConnBytes !== undefined ? `; ${kib(h.rssPerConnBytes)} per connection (growth over start)` : ''}`,
      load,
    },
    ...(h.idle?.generatorPct !== undefined
      ? [
          {
            measure: `${name}: idle hold of ${h.idle.holdSeconds} s: instances / Redis CPU (% of a core), connections dropped`,
            plain: '-',
            ours: `${h.idle.serverPct} / ${h.idle.redisPct}, ${holdDrops ?? '-'} dropped`,
            ratio: undefined,
            target: 'dropped 0',
            status: holdDrops === 0 ? 'met' : '**missed**',
            spread: `generators ${h.idle.generatorPct} %; outside the bench ${Math.round(h.idle.outsideCores * 100)} %${
              holdDrops
                ? `; dropped: ${Object.entries(h.holdDrops ?? {})
                    .map(([w, n]) => `${w} ${n}`)
                    .join(', ')}`
                : ''
            }`,
            load,
          },
        ]
      : []),
    {
      measure: `${name}: operator notice to all, p99 ms / lost`,
      plain: '-',
      ours: `${h.broadcast.p99} / ${h.broadcast.lost}`,
      ratio: undefined,
      target: 'lost 0',
      status: h.broadcast.expected > 0 && h.broadcast.lost === 0 ? 'met' : '**missed**',
      spread: `${h.broadcast.rounds} rounds, ${h.broadcast.received} of ${h.broadcast.expected} received; p50 ${h.broadcast.p50}, max ${h.broadcast.max} ms`,
      load,
    },
  ];
}

const table = (head: string[], body: string[][]): string[] => [
  `| ${head.join(' | ')} |`,
  `|${head.map(() => '---').join('|')}|`,
  ...body.map((row) => `| ${row.join(' | ')} |`),
];

function fanoutSection(f: FanoutResult): string[] {
  const rows = [...f.points, ...f.knee].map((p) => [
    p.kind,
    String(p.rate),
    String(p.rep + 1),
    `${p.delivered} / ${p.expected}`,
    String(p.deliveredPerSec),
    r2(p.usPerDelivery),
    r2(p.redisUsPerDelivery),
    r2(p.serverCores),
    p.genCores === undefined ? '-' : r2(p.genCores),
    p.sharedWrites === undefined ? '-' : `${Math.round(p.sharedWrites * 100)} %`,
    `${p.p50} / ${p.p99}`,
    `${r2(p.loadStart)} -> ${r2(p.loadEnd)}`,
    `${Math.round(p.outsideCores * 100)} %${p.disturbed ? ' **disturbed**' : ''}`,
  ]);
  return [
    `## Fan-out: CPU per delivery, then the knee`,
    '',
    `${CLIENTS} clients in ${CLIENTS / ROOM_SIZE} rooms of ${ROOM_SIZE}, 2 instances per system. Each point sends for`,
    `${f.measureMs / 1000} s measured (after a warm-up); the instances' utime + stime from /proc over that window,`,
    'divided by the deliveries of the messages sent in it. Headline points are repeated and',
    "interleaved (ours, plain, ours, ...); the knee climb follows. 'generators cores' is the CPU",
    "the clients' processes took over the window (they share the cores). 'shared writes' (ours):",
    'the deliveries that left in one write with an earlier message to the same socket, several of',
    "a room's messages having been read from Redis at once (`chat_room_frames_joined_total`).",
    "'outside' is the CPU that processes other than the bench took meanwhile (share of one core);",
    'over 10 % marks the point disturbed.',
    '',
    ...table(
      [
        'system',
        'msgs/s in',
        'run',
        'delivered / expected',
        'deliveries/s',
        'server µs/delivery',
        'Redis µs/delivery',
        'server cores',
        'generators cores',
        'shared writes',
        'p50 / p99 ms',
        'load (1 min)',
        'outside',
      ],
      rows,
    ),
  ];
}

function idleSection(idle: IdleTier[], r: Results): string[] {
  const total = (xs: number[] | undefined): number => (xs ?? []).reduce((s, x) => s + x, 0);
  const base = r.rssBase
    ? [
        `Memory per connection is the instances' RSS growth over their RSS once ours' sessions exist, both`,
        `systems idle before any client: plain ${mib(total(r.rssBase.plain))}, ours ${mib(total(r.rssBase.ours))}. Making the`,
        `sessions (ours' admin bulk path, on its first instance) grew ours from ${mib(total(r.rssStart?.ours))}; plain`,
        `went from ${mib(total(r.rssStart?.plain))} meanwhile, idle.`,
        '',
      ]
    : [];
  return [
    `## Idle connections`,
    '',
    `Logged-in clients (ours: a session token each) joined to ${IDLE_ROOMS} rooms, held; one system at a time (the`,
    "other's clients closed). CPU over the hold, in % of one core.",
    '',
    ...base,
    ...table(
      [
        'system',
        'connections',
        'failed',
        'connects/s',
        'join all, ms (not joined)',
        'instances RSS',
        'per connection',
        'hold s',
        'instances CPU %',
        'Redis CPU %',
        'load (1 min)',
        'outside',
      ],
      idle.map((t) => [
        t.kind,
        String(t.connections),
        String(t.failed),
        String(t.connectPerSec),
        `${t.joinMs} (${t.joinFailed})`,
        mib(t.rssBytes),
        kib(t.bytesPerConn),
        String(t.holdSeconds),
        String(t.serverPct),
        String(t.redisPct),
        `${r2(t.loadStart)} -> ${r2(t.loadEnd)}`,
        `${Math.round(t.outsideCores * 100)} %${t.disturbed ? ' **disturbed**' : ''}`,
      ]),
    ),
  ];
}

function generatorsSection(g: GeneratorsResult): string[] {
  return [
    '## Load generators: chat-admin loadtest and Artillery',
    '',
    `${g.users} users in rooms of 50, ${g.rate} messages/s over all of them, on the same cluster of ours, one`,
    "tool after the other. CPU: the tool's whole process tree (workers too) from /proc. A virtual-user",
    'second is one user connected and chatting for a second (ours: users x (ramp / 2 + steady); Artillery:',
    'arrivals x sends x 10 s think). Scenario: `bench/artillery-chat.yml`.',
    '',
    ...table(
      [
        'tool',
        'users',
        'VU-s',
        'CPU-s',
        'wall s',
        'VU-s per CPU-s',
        'sends',
        'failed',
        'p99 ms',
        'measures',
      ],
      [g.ours, g.artillery].map((x) => [
        x.tool,
        String(x.users),
        String(x.vuSeconds),
        String(x.cpuSeconds),
        String(x.wallSeconds),
        String(x.vuSecondsPerCpuSecond),
        String(x.sent),
        String(x.failed) + (x.lost !== undefined ? ` (lost ${x.lost})` : ''),
        Number.isNaN(x.p99Ms) ? 'not recorded' : String(x.p99Ms),
        x.what + (x.error ? `; ${x.error}` : ''),
      ]),
    ),
  ];
}

function hundredKSection(h: HundredK): string[] {
  const lim = h.limits;
  const list = (r: Record<string, number> | undefined, none = 'none'): string =>
    Object.entries(r ?? {})
      .map(([why, n]) => `${why}: ${n}`)
      .join('; ') || none;
  const stalled = h.connectStallSec !== undefined;
  return [
    `## ${k(h.asked)} connections on this machine (\`npm run bench -- --profile 100k\`)`,
    '',
    `${h.instances} instances of ours on one Redis; one generator process per instance${
      h.client === 'wire'
        ? ", on the load tester's lean wire client (`WireSocket`: the Socket.IO wire protocol over `ws`)"
        : ', each from a source address of its own (127.0.0.2, 127.0.0.3, ...)'
    }; every connection logged in with a session of`,
    `its own and joined to one of ${h.rooms} rooms; held idle, then ${h.broadcast.rounds} operator notices, each to every client.`,
    stalled
      ? `Connecting has no deadline while it makes progress: each connection gets ${h.connectTries} tries with backoff; a generator stops only after ${h.connectStallSec} s without a new connection.`
      : '',
    `Limits read first: open files ${lim.openFilesSoft} soft / ${lim.openFilesHard} hard per process${lim.openFilesSoft >= lim.openFilesHard ? ' (the soft limit is already the hard one: nothing to raise)' : ''}, ${mib(lim.freeMemBytes)} free memory.`,
    h.connections < h.asked
      ? `**This machine could not take ${h.asked}: the run took ${h.connections}, limited by ${lim.limitedBy}.**`
      : `Asked ${h.asked}, ran ${h.connections}.`,
    h.connected < h.connections
      ? `**Only ${h.connected} of ${h.connections} were connected when the connect phase ended (${h.connectFailed} failed, ${h.connectSkipped} not tried${stalled ? ' after a stall' : ` within its ${h.connectDeadlineSec} s deadline`}).**`
      : '',
    h.error ? `**The run stopped early: ${h.error}.**` : '',
    '',
    ...table(
      ['figure', 'value'],
      [
        [
          stalled
            ? 'connected / failed every try / not tried (stall)'
            : 'connected / failed / not tried by the deadline',
          stalled
            ? `${h.connected} / ${h.connectFailed} / ${h.connectSkipped}`
            : `${h.connected} / ${h.connectFailed} / ${h.connectSkipped} (deadline ${h.connectDeadlineSec} s)`,
        ],
        ['tries retried', `${h.connectRetried ?? '-'}`],
        ['why tries failed', list(h.connectErrors, '-')],
        ['connections dropped after connecting (by reason)', list(h.drops)],
        ['sessions made (admin bulk path)', `${h.tokensSeconds} s`],
        [
          'time to connect all (connections/s)',
          `${h.connectSeconds} s${h.connectsPerSec ? ` (${h.connectsPerSec}/s)` : ''}`,
        ],
        [
          'CPU per connect: instances / generators',
          h.serverConnectUsPerConn !== undefined
            ? `${h.serverConnectUsPerConn} µs / ${h.generatorConnectUsPerConn} µs`
            : '-',
        ],
        [
          `time to join ${h.rooms} rooms`,
          `${h.joinSeconds} s; ${h.joinFailed} not joined${
            Object.keys(h.joinErrors).length ? ` (${list(h.joinErrors)})` : ''
          }${h.joinError ? ` (**${h.joinError}**)` : ''}`,
        ],
        ['RSS per instance at start', h.rssStartBytes.map(mib).join(' / ')],
        ['RSS per instance holding them', h.rssBytes.map(mib).join(' / ')],
        [
          'instances: RSS per connection (growth over start / connections)',
          h.rssPerConnBytes !== undefined ? kib(h.rssPerConnBytes) : '-',
        ],
        [
          'RSS per generator process',
          `${h.generatorRssStartBytes ? `at start ${h.generatorRssStartBytes.map(mib).join(' / ')}; holding ` : ''}${h.generatorRssBytes.map(mib).join(' / ')}`,
        ],
        [
          'generators: RSS per connection (growth over start)',
          h.generatorRssPerConnBytes !== undefined ? kib(h.generatorRssPerConnBytes) : '-',
        ],
        [
          'CPU holding them idle: instances / Redis / generators (% of a core)',
          h.idle
            ? `${h.idle.serverPct} / ${h.idle.redisPct} / ${h.idle.generatorPct ?? '-'} over ${h.idle.holdSeconds} s (outside ${Math.round(h.idle.outsideCores * 100)} %)`
            : 'not measured',
        ],
        [
          'connections dropped during the idle hold (target 0)',
          h.holdDrops ? list(h.holdDrops, '0') : '-',
        ],
        [
          'notice to all: p50 / p99 / max ms',
          `${h.broadcast.p50} / ${h.broadcast.p99} / ${h.broadcast.max}`,
        ],
        [
          'notices received / expected (lost)',
          `${h.broadcast.received} / ${h.broadcast.expected} (${h.broadcast.lost})`,
        ],
        ['section wall time', `${h.seconds} s`],
        ['load (1 min) start -> end', `${r2(h.loadStart)} -> ${r2(h.loadEnd)}`],
      ],
    ),
    ...(h.phases?.length
      ? [
          '',
          'Per phase: the longest event-loop stall of any instance and of any generator (a stall',
          `longer than the ping timeout, ${PING_TIMEOUT_MS / 1000} s past the ${PING_INTERVAL_MS / 1000} s ping interval, drops connections), and the connections dropped in it:`,
          '',
          ...table(
            ['phase', 'instances: longest stall', 'generators: longest stall', 'dropped'],
            h.phases.map((p) => [
              p.phase,
              `${p.instancesLagMaxMs} ms`,
              `${p.generatorsLagMaxMs} ms`,
              list(p.drops, '0'),
            ]),
          ),
        ]
      : []),
  ];
}

function stormRow(st: StormResult): Row {
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const { ours, plain } = st;
  const each = (s: StormResult['ours']): string =>
    `${s.kind}: start ${s.rssStartBytes.map(mib).join(' / ')}, all open ${s.rssPeakBytes.map(mib).join(' / ')}, after ${s.rssAfterBytes.map(mib).join(' / ')}`;
  return {
    measure: `instances' RSS ${ours.afterSec} s after a storm of ${ours.users} logins (ours: accounts created, password hashed) and their sockets, all closed; 2 instances`,
    plain: mib(sum(plain.rssAfterBytes)),
    ours: mib(sum(ours.rssAfterBytes)),
    ratio: ratioOf(sum(ours.rssAfterBytes), sum(plain.rssAfterBytes)),
    ...TARGETS.rssAfterStorm,
    spread: `${each(plain)}; ${each(ours)}; ours' logins took ${ours.loginSeconds} s (${ours.failed + plain.failed} failed)`,
    load: loadSpan([plain.loadStart, ours.loadStart], [plain.loadEnd, ours.loadEnd]),
  };
}

export function renderResults(r: Results): string {
  const rows: Row[] = [];
  if (r.fanout) rows.push(...fanoutRows(r.fanout));
  if (r.idle) rows.push(...idleRows(r.idle));
  if (r.rssStart) rows.push(rssRow(r.rssStart, r2(r.loadStart[0] ?? 0)));
  if (r.hundredK) rows.push(...hundredKRows(r.hundredK));
  if (r.generators) rows.push(generatorRow(r.generators));
  if (r.herd) rows.push(...herdRows(r.herd));
  if (r.storm) rows.push(stormRow(r.storm));
  return [
    '# Bench results',
    '',
    `Run ${r.date} of commit ${r.commit} on ${r.machine}; ${r.seconds} s${r.quick ? ' (**--quick: a check of the bench, not figures**)' : ''}.`,
    `Load average (1 / 5 / 15 min) at the start ${r.loadStart.join(' / ')}, at the end ${r.loadEnd.join(' / ')}.`,
    'Sections run: ' + r.sections.join(', ') + '.',
    ...Object.entries(r.errors).map(([name, why]) => `**Section ${name} failed: ${why}.**`),
    '',
    'Ours and a plain Socket.IO 4.8 + Redis adapter server (`bench/baseline-server.ts`), each as 2',
    'instances on a Redis of its own, driven by the same 4 generator processes on the same 2',
    'cores. CPU figures are utime + stime from /proc. Command: `npm run bench` (see the top of',
    '`bench/run.ts` for the flags). What limits a missed figure: `bench/ANALYSIS.md`.',
    '',
    ...table(
      [
        'measure',
        'plain Socket.IO',
        'ours',
        'ours / plain',
        'target',
        'status',
        'spread',
        'load (1 min)',
      ],
      rows.map((x) => [
        x.measure,
        x.plain,
        x.ours,
        fmtRatio(x.ratio),
        x.target,
        x.status ?? (x.ok ? verdict(x.ratio, x.ok) : '-'),
        x.spread,
        x.load,
      ]),
    ),
    '',
    ...(r.fanout ? [...fanoutSection(r.fanout), ''] : []),
    ...(r.idle ? [...idleSection(r.idle, r), ''] : []),
    ...(r.hundredK ? [...hundredKSection(r.hundredK), ''] : []),
    ...(r.generators ? [...generatorsSection(r.generators), ''] : []),
    ...(r.herd ? [...herdSection(r.herd), ''] : []),
  ].join('\n');
}
