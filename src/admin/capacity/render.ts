import { formatBytes, table } from '../output.js';
import type { CapacityPlan } from './plan.js';

const n = (x: number | null, digits = 0): string =>
  x === null ? 'none fits' : x.toLocaleString('en-US', { maximumFractionDigits: digits });
const pct = (x: number): string => `${Math.round(x * 100)} %`;

/** The plan for people: the answer first, then each resource's use, then the arithmetic. */
export function planLines(p: CapacityPlan): string[] {
  const { question: q, deployment: d, instances: i, redis: r } = p;
  const lines = [
    `${n(q.users)} users in rooms of ${n(q.roomSize)} sending ${n(q.rate, 2)} msgs/s (${n(p.load.deliveriesPerSec)} deliveries/s, ${n(p.load.rooms)} rooms)`,
    `Hosts of ${d.hostCores} cores and ${formatBytes(d.hostMemoryBytes)} (one instance per core); Redis masters of ${formatBytes(d.redisMemoryBytes)} and ${n(d.redisNetBytesPerSec / 1e6)} MB/s; plans use ${pct(d.headroom)} of each; history ${n(d.historyMax)} messages per room; ${n(d.connectsPerSec, 2)} connects/s.`,
    `Costs measured: ${p.costs.run}.`,
    '',
    ...table(
      ['answer', 'value', 'because'],
      [
        [
          'instances',
          n(i.needed),
          `by memory ${n(i.byMemory)}, by CPU ${n(i.byCpu)}${i.binding ? `: ${i.binding} decides` : ''}`,
        ],
        ['hosts', n(i.hosts), `${d.hostCores} instances per host`],
        [
          'Redis Cluster masters',
          n(r.masters),
          `by CPU ${n(r.byCpu)}, by network ${n(r.byNetwork)}, by memory ${n(r.byMemory)}: ${r.binding} decides`,
        ],
        ['first bottleneck', '', p.firstBottleneck],
      ],
      [1],
    ),
    '',
    ...table(
      ['per instance', 'value'],
      [
        ['connections', n(i.perInstance.connections)],
        [
          'RSS',
          `${formatBytes(i.perInstance.rssBytes)} of ${formatBytes(i.perInstance.memoryBudgetBytes)} allowed`,
        ],
        ['CPU', `${n(i.perInstance.cpuCores, 3)} cores of ${d.headroom} allowed`],
        [
          'herd after losing one instance',
          i.herdSeconds === null
            ? 'not known (connect cost not measured)'
            : `${n(i.herdSeconds, 1)} s`,
        ],
      ],
    ),
    '',
    ...table(
      ['Redis (whole cluster)', 'value'],
      [
        ['CPU', `${n(r.cores, 3)} cores`],
        ['commands', `${n(r.opsPerSec)}/s (${n(r.opsPerSec / r.masters)}/s per master)`],
        ['network', `${formatBytes(r.bytesPerSec)}/s`],
        [
          'memory',
          `${formatBytes(r.memoryBytes.total)} (history ${formatBytes(r.memoryBytes.history)}, dedupe keys ${formatBytes(r.memoryBytes.dedupe)}, sessions ${formatBytes(r.memoryBytes.sessions)}, members ${formatBytes(r.memoryBytes.members)})`,
        ],
        ['room index (one key)', `${n(r.roomIndexOpsPerSec)} writes/s on one master`],
        ['one room (one slot)', `${n(r.roomCores, 4)} cores of its master`],
      ],
    ),
    '',
    ...table(
      ['resource', 'used in this plan'],
      p.utilization.map((u) => [u.resource, pct(u.share)]),
      [1],
    ),
    '',
    'How:',
    ...table(
      ['step', 'arithmetic', 'result'],
      p.steps.map((s) => [
        s.what,
        s.formula,
        `${s.value === null ? '-' : n(s.value, 3)} ${s.unit}`,
      ]),
    ),
  ];
  if (p.costs.unmeasured.length > 0) {
    lines.push('', 'Not measured yet (counted as 0):');
    for (const u of p.costs.unmeasured) lines.push(`  ${u.name}: ${u.source}`);
  }
  return lines;
}
