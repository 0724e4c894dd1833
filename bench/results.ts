import type { Percentiles } from '../src/admin/loadtest/histogram.js';
import type { Kind } from './protocols.js';

/** One input rate of the fan-out scenario. */
export interface StepResult {
  /** Messages per second sent into the rooms. */
  rate: number;
  deliveredPerSec: number;
  expectedPerSec: number;
  p50: number;
  p99: number;
}

export interface IdleTier {
  connections: number;
  failed: number;
  connectPerSec: number;
  bytesPerConn: number;
  rssBytes: number;
}

export interface Results {
  date: string;
  machine: string;
  idle: Record<Kind, IdleTier[]>;
  broadcast: Record<Kind, Percentiles & { rounds: number; allWithinMs: number }>;
  fanout: Record<Kind, StepResult[]>;
  seconds: number;
  /** Load averages (1, 5, 15 min) when the run began and ended: other work on the machine. */
  loadAvgStart: number[];
  loadAvgEnd: number[];
}

/** The knee: the most deliveries/s with p99 under 100 ms and (nearly) nothing missing. */
export function knee(steps: StepResult[]): number {
  const ok = steps.filter((s) => s.p99 < 100 && s.deliveredPerSec >= 0.99 * s.expectedPerSec);
  return Math.max(0, ...ok.map((s) => s.deliveredPerSec));
}

export const saturation = (steps: StepResult[]): number =>
  Math.max(0, ...steps.map((s) => s.deliveredPerSec));

const ratio = (ours: number, plain: number): string =>
  plain > 0 ? `${(ours / plain).toFixed(2)}x` : '-';
const kb = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
const k = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));

/** bench/RESULTS.md: the table, the steps, the date, the machine and the commands. */
export function renderResults(r: Results): string {
  const idle20 = (kind: Kind): IdleTier | undefined => r.idle[kind].at(-1);
  const rate = (kind: Kind): number =>
    Math.round(
      r.idle[kind].reduce((s, t) => s + t.connectPerSec, 0) / Math.max(1, r.idle[kind].length),
    );
  const rows: string[][] = [
    [
      'a. fan-out knee (deliveries/s, p99 < 100 ms)',
      k(knee(r.fanout.plain)),
      k(knee(r.fanout.ours)),
      ratio(knee(r.fanout.ours), knee(r.fanout.plain)),
      '>= 1.0x (aim 1.5x)',
    ],
    [
      'a. fan-out saturation (deliveries/s)',
      k(saturation(r.fanout.plain)),
      k(saturation(r.fanout.ours)),
      ratio(saturation(r.fanout.ours), saturation(r.fanout.plain)),
      '',
    ],
    [
      `b. memory per idle connection at ${k(idle20('plain')?.connections ?? 0)}`,
      kb(idle20('plain')?.bytesPerConn ?? 0),
      kb(idle20('ours')?.bytesPerConn ?? 0),
      ratio(idle20('ours')?.bytesPerConn ?? 0, idle20('plain')?.bytesPerConn ?? 0),
      '<= 1.2x',
    ],
    [
      'b. connect rate (connections/s, mean of tiers)',
      String(rate('plain')),
      String(rate('ours')),
      ratio(rate('ours'), rate('plain')),
      '>= 0.8x',
    ],
    [
      'c. broadcast to 5k: p50 ms',
      String(r.broadcast.plain.p50),
      String(r.broadcast.ours.p50),
      ratio(r.broadcast.ours.p50, r.broadcast.plain.p50),
      '',
    ],
    [
      'c. broadcast to 5k: p99 ms',
      String(r.broadcast.plain.p99),
      String(r.broadcast.ours.p99),
      ratio(r.broadcast.ours.p99, r.broadcast.plain.p99),
      '',
    ],
    [
      'c. broadcast to 5k: all have it (ms, worst round)',
      String(r.broadcast.plain.allWithinMs),
      String(r.broadcast.ours.allWithinMs),
      ratio(r.broadcast.ours.allWithinMs, r.broadcast.plain.allWithinMs),
      '',
    ],
  ];
  const table = (head: string[], body: string[][]): string[] => [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...body.map((row) => `| ${row.join(' | ')} |`),
  ];
  const steps = (kind: Kind): string[] =>
    table(
      ['input msgs/s', 'expected deliveries/s', 'delivered/s', 'p50 ms', 'p99 ms'],
      r.fanout[kind].map((s) => [
        String(s.rate),
        String(s.expectedPerSec),
        String(s.deliveredPerSec),
        String(s.p50),
        String(s.p99),
      ]),
    );
  const idle = (kind: Kind): string[] =>
    table(
      ['connections', 'failed', 'connects/s', 'server RSS', 'per connection'],
      r.idle[kind].map((t) => [
        String(t.connections),
        String(t.failed),
        String(t.connectPerSec),
        `${(t.rssBytes / 2 ** 20).toFixed(0)} MiB`,
        kb(t.bytesPerConn),
      ]),
    );
  return [
    '# Bench results',
    '',
    `Run ${r.date} on ${r.machine}; the whole run took ${r.seconds} s.`,
    `Load average at the start ${r.loadAvgStart.join(' / ')}, at the end ${r.loadAvgEnd.join(' / ')} (other work on the machine).`,
    '',
    'Both servers run as 2 instances on one Redis of their own (no persistence); the same 4',
    'generator processes (plain socket.io-client connections) drive both on the same cores as',
    'the servers, interleaved: a tier, round or step of one, then the same of the other.',
    'Command: `npm run bench` (builds, then runs `bench/out/build/bench/run.js`).',
    '',
    ...table(['measure', 'plain Socket.IO', 'ours', 'ours / plain', 'target'], rows),
    '',
    '## a. Fan-out: 1000 clients in 10 rooms of 100, input rate stepped up',
    '',
    '### plain',
    '',
    ...steps('plain'),
    '',
    '### ours',
    '',
    ...steps('ours'),
    '',
    '## b. Idle connections',
    '',
    '### plain',
    '',
    ...idle('plain'),
    '',
    '### ours',
    '',
    ...idle('ours'),
    '',
  ].join('\n');
}
