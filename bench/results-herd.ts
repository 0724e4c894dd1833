/** The herd section's rows of the results table and its paragraph (bench/herd.ts). */
import { HERD_DEADLINE_MS, HERD_LAG_MS, type HerdResult } from './herd.js';

/** A row of the results table (the shape `results.ts` renders). */
export interface HerdRow {
  measure: string;
  plain: string;
  ours: string;
  ratio: undefined;
  target: string;
  status: string;
  spread: string;
  load: string;
}

const s2 = (ms: number): string => String(Math.round(ms / 10) / 100);
const met = (ok: boolean): string => (ok ? 'met' : '**missed**');

export function herdRows(h: HerdResult): HerdRow[] {
  const load = `${h.loadAtKill}-${Math.max(h.loadAtKill, h.loadAfterHerd)}`;
  const allBack = h.back === h.dropped && h.dropped > 0;
  // Connections the survivors lost: they must drop no one while the herd lands on them.
  const survivorsDropped = Object.entries(h.lostFrom)
    .filter(([id]) => id !== h.killedId)
    .reduce((s, [, n]) => s + n, 0);
  const size = `${(h.clients / 1000).toFixed(h.clients % 1000 ? 1 : 0)}k`;
  const survivors = Object.entries(h.lag.herdBySurvivor)
    .map(([id, ms]) => `${id} ${ms} ms`)
    .join(', ');
  const row = (measure: string, ours: string, target: string, ok: boolean, spread: string) => ({
    measure: `herd (${size} users, 3 instances, one SIGKILLed; ours only: the plain server has no resume): ${measure}`,
    plain: '-',
    ours: `${ours}${h.error ? ` (${h.error})` : ''}`,
    ratio: undefined,
    target,
    status: h.error ? '**missed**' : met(ok),
    spread,
    load,
  });
  return [
    row(
      'clients of the killed instance back and resumed, p99 s',
      s2(h.resumeMs.p99),
      `<= ${HERD_DEADLINE_MS / 1000} s, all back, survivors drop none`,
      allBack && survivorsDropped === 0 && h.resumeMs.p99 <= HERD_DEADLINE_MS,
      `${h.connected} of ${h.clients} connected in the ramp; ${h.dropped} lost their connection (${h.killedId} held ${h.onKilled}; the survivors dropped ${survivorsDropped}), ${h.back} back; p50 ${s2(h.resumeMs.p50)} s, p95 ${s2(h.resumeMs.p95)} s, max ${s2(h.resumeMs.max)} s; ${h.withinDeadline} of ${h.outages} outages within ${HERD_DEADLINE_MS / 1000} s; no one away ${h.allBackSeconds === null ? 'never reached' : `${h.allBackSeconds} s after the kill`}`,
    ),
    row(
      'lost / duplicated messages over the run',
      `${h.messages.lost} / ${h.messages.duplicated}`,
      '0 / 0',
      h.messages.lost === 0 && h.messages.duplicated === 0 && h.messages.expected > 0,
      `${h.messages.delivered} of ${h.messages.expected} deliveries; ${h.messages.sent} messages sent at ${h.rate} msgs/s into ${h.rooms} rooms, before, through and after the herd`,
    ),
    row(
      "survivors' event-loop lag max (their p99 of each second), s",
      s2(h.lag.herdMaxMs),
      `<= ${HERD_LAG_MS / 1000} s`,
      h.lag.samples > 0 && h.lag.herdMaxMs <= HERD_LAG_MS,
      `${survivors || 'no samples'}; before the kill ${h.lag.beforeMaxMs} ms; longest gap between status writes ${h.lag.statusGapMaxMs} ms; survivors' CPU ${h.cpu.survivorsPct.join(' / ')} %, Redis ${h.cpu.redisPct} %, generators ${h.cpu.generatorsPct.join(' / ')} % of a core over the herd's ${h.cpu.seconds} s`,
    ),
  ];
}

export function herdSection(h: HerdResult): string[] {
  const rows: [string, string][] = [
    ['users / rooms / messages per second', `${h.clients} / ${h.rooms} / ${h.rate}`],
    [
      'users made (admin bulk path) / all connected and joined',
      `${h.usersSeconds} s / ${h.connectSeconds} s`,
    ],
    ['connected / failed', `${h.connected} / ${h.failed}`],
    [
      'errors',
      Object.entries(h.errors)
        .map(([why, n]) => `${why}: ${n}`)
        .join('; ') || 'none',
    ],
    [`killed / its connections`, `${h.killedId} / ${h.onKilled}`],
    [
      'connections lost, by instance',
      Object.entries(h.lostFrom)
        .map(([id, n]) => `${id}: ${n}`)
        .join(', ') || 'none',
    ],
    [
      'connections lost, by instance and why (as the client saw it)',
      Object.entries(h.lostWhy ?? {})
        .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
        .map(([why, n]) => `${why}: ${n}`)
        .join('; ') || 'none',
    ],
    [
      "survivors' warnings and errors in their logs, by message",
      Object.entries(h.survivorWarnings ?? {})
        .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
        .map(([what, n]) => `${what}: ${n}`)
        .join('; ') || 'none',
    ],
    [
      'loss to room resumed: p50 / p95 / p99 / max s',
      `${s2(h.resumeMs.p50)} / ${s2(h.resumeMs.p95)} / ${s2(h.resumeMs.p99)} / ${s2(h.resumeMs.max)}`,
    ],
    [
      'message latency p50 / p99 / max ms',
      `${h.latencyMs.p50} / ${h.latencyMs.p99} / ${h.latencyMs.max}`,
    ],
    [
      'connections after, by instance',
      Object.entries(h.survivorsConnectionsAfter)
        .map(([id, n]) => `${id}: ${n}`)
        .join(', '),
    ],
    [
      'reconnect attempts that failed while away, by reason',
      Object.entries(h.retries)
        .map(([why, n]) => `${why}: ${n}`)
        .join('; ') || 'none',
    ],
    [
      'upgrades the survivors dropped unserved, their client already gone',
      Object.entries(h.abandonedUpgrades ?? {})
        .map(([id, n]) => `${id}: ${n}`)
        .join(', ') || 'not read',
    ],
    ["instances' CPU in the steady phase before the kill (% of a core)", h.steadyPct.join(' / ')],
    [
      "instances' CPU per user connected and joined / survivors' per user resumed (less the steady traffic)",
      `${h.connectCpuMs} ms / ${h.resumeCpuMs} ms`,
    ],
    ["generators' CPU over the whole sending (% of a core each)", h.generatorsRunPct.join(' / ')],
    ['outside the bench during the herd', `${Math.round(h.cpu.outsideCores * 100)} % of a core`],
    [
      'load (1 min): start / at the kill / after the herd / end',
      `${h.loadStart} / ${h.loadAtKill} / ${h.loadAfterHerd} / ${h.loadEnd}`,
    ],
    ['section wall time', `${h.seconds} s`],
  ];
  return [
    '## The herd after a crash (`npm run bench -- --section herd`)',
    '',
    `${h.clients} logged-in users in rooms of 100 on 3 instances of ours (one Redis), each user a`,
    'virtual user of the load tester (`src/admin/loadtest`) in one of its worker processes: the',
    'real protocol, reconnects with jittered backoff rotating over the three URLs, its room resumed',
    'from the last message it holds, unacknowledged sends retried with the same id. Each user',
    'starts on its share of the instances. Once all are in and messages flow, the second',
    'instance is SIGKILLed; its clients reconnect to the survivors. Each user times its own',
    "outage, from the connection lost to its room resumed (the re-join's answer and any history",
    'pages after it). Sending goes on through the herd and after it, then every user checks it',
    'was shown every message of its room sent while it was in (lost, duplicated). The',
    "survivors' event-loop lag is what they write in their status each second (p99 of that",
    'second), read over the admin connection twice a second; CPU from /proc over the herd',
    '(from the kill until no user is away, plus 2 s).',
    '',
    '| figure | value |',
    '| --- | --- |',
    ...rows.map(([a, b]) => `| ${a} | ${b} |`),
  ];
}
