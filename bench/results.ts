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

/** A broadcast scenario: receipt latency over every client and round. */
export interface Broadcast extends Percentiles {
  rounds: number;
  /** The slowest round: time until the last client had the message. */
  allWithinMs: number;
  received: number;
  expected: number;
}

export interface Results {
  date: string;
  machine: string;
  idle: Record<Kind, IdleTier[]>;
  broadcast: {
    plain?: Broadcast;
    oursNotice?: Broadcast;
    oursRoom?: Broadcast;
    oursRoomJoinMs?: number;
    oursRoomError?: string;
  };
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

const fig = (b: Broadcast | undefined, f: (b: Broadcast) => number): string =>
  b ? String(f(b)) : '-';

function bcastRows(b: Results['broadcast']): string[][] {
  const rows: string[][] = [];
  const ours = b.oursRoom;
  for (const [label, f] of [
    ['p50 ms', (x: Broadcast) => x.p50],
    ['p99 ms', (x: Broadcast) => x.p99],
    ['all have it, ms (worst round)', (x: Broadcast) => x.allWithinMs],
  ] as const) {
    rows.push([
      `c. broadcast to 5k in a room: ${label}`,
      fig(b.plain, f),
      ours ? String(f(ours)) : (b.oursRoomError ?? '-'),
      ours && b.plain ? ratio(f(ours), f(b.plain)) : '-',
      'lower is better',
    ]);
  }
  for (const [label, f] of [
    ['p50 ms', (x: Broadcast) => x.p50],
    ['p99 ms', (x: Broadcast) => x.p99],
  ] as const) {
    rows.push([
      `c'. ours: operator notice to 5k clients: ${label}`,
      fig(b.plain, f),
      fig(b.oursNotice, f),
      b.oursNotice && b.plain ? ratio(f(b.oursNotice), f(b.plain)) : '-',
      '(vs the room broadcast)',
    ]);
  }
  return rows;
}

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
    ...bcastRows(r.broadcast),
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
    'What limits ours where a target is missed, and what would fix it: `bench/ANALYSIS.md`.',
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
    '## c. Broadcast to 5k clients (5 rounds each)',
    '',
    ...table(
      ['what', 'received / expected', 'p50 ms', 'p99 ms', 'all have it, ms'],
      (
        [
          ['plain: message into a room of all', r.broadcast.plain],
          ['ours: operator notice to every client', r.broadcast.oursNotice],
          ['ours: message into a room of all', r.broadcast.oursRoom],
        ] as const
      ).map(([what, b]) =>
        b
          ? [
              what,
              `${b.received} / ${b.expected}`,
              String(b.p50),
              String(b.p99),
              String(b.allWithinMs),
            ]
          : [what, '-', '-', '-', '-'],
      ),
    ),
    '',
    r.broadcast.oursRoomError
      ? `Ours, room: ${r.broadcast.oursRoomError} (joining every client to one room).`
      : `Ours, room: joining every client to the room took ${r.broadcast.oursRoomJoinMs ?? '-'} ms.`,
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
