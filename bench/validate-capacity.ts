/**
 * `npm run bench:validate [-- --from FILE]`: checks the capacity model against a bench run
 * (bench/out/results.json by default). From the run's 10k and 20k idle tiers it predicts the
 * 100k section's RSS per instance and idle CPU; from the scale section's fan-out knee with 2
 * instances it predicts the knee with 4. The predicted-vs-measured table and the worked
 * examples (1M users, from src/admin/capacity/measured.ts) are written into docs/capacity.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { listCosts, type Costs } from '../src/admin/capacity/costs.js';
import { MEASURED } from '../src/admin/capacity/measured.js';
import { planCapacity } from '../src/admin/capacity/model.js';
import { DEFAULT_DEPLOYMENT, type CapacityPlan } from '../src/admin/capacity/plan.js';
import { costsFromResults } from './costs.js';
import type { Results } from './results.js';
import { kneeReached, type KneeRow } from './knee.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const DOC = path.join(ROOT, 'docs/capacity.md');
const MiB = 2 ** 20;
const US = 1e6;

export interface Check {
  figure: string;
  predicted: string;
  measured: string;
  /** (predicted - measured) / measured, when both are numbers. */
  error?: number;
  /** Whether within 20 %, or why it cannot be said. */
  verdict: string;
}

const fmt = (x: number, digits = 0): string =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits });
const verdictOf = (error: number): string =>
  Math.abs(error) <= 0.2 ? 'yes' : 'no (why: below the table)';
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/** Cores of the machine a run was on (its results' machine line: `<cpu> x <cores>, ...`). */
function coresOf(r: Results): number {
  return Number(/ x (\d+),/.exec(r.machine)?.[1] ?? 2);
}

/** (room, instance) pairs of the 100k section: client i is in room i % rooms, on instance i % instances. */
function pairsOf(n: number, rooms: number, instances: number): number {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) seen.add((i % rooms) * instances + (i % instances));
  return seen.size;
}

/** The knee row's value as text, and the number when the climb found it. */
function kneeText(k: KneeRow | undefined): { text: string; value?: number; reached: boolean } {
  if (!k) return { text: 'not in this run', reached: false };
  if (k.error) return { text: `not measured: ${k.error}`, reached: false };
  if (k.generatorLimit !== undefined) {
    return {
      text: `>= ${fmt(k.knee)} msgs/s (not reached: the generators sent at most ${fmt(k.generatorLimit)}/s)`,
      value: k.knee,
      reached: false,
    };
  }
  const reached = kneeReached(k);
  return reached
    ? { text: `${fmt(k.knee)} msgs/s`, value: k.knee, reached }
    : { text: `>= ${fmt(k.knee)} msgs/s (not reached)`, value: k.knee, reached };
}

/** The predictions, from the run's idle tiers, rss and scale sections, against what it measured. */
export function validate(r: Results, prev: Costs = MEASURED): Check[] {
  const c = costsFromResults(r, prev);
  const i = c.instance;
  const checks: Check[] = [];
  const h = r.hundredK;
  const ranIdle = (r.idle ?? []).filter((t) => t.kind === 'ours').length >= 2;
  const source = ranIdle ? 'from the idle tiers and RSS at start' : 'no idle tiers in this run';
  if (h && h.instances > 0) {
    const held = h.held || h.connected;
    const perInstance = held / h.instances;
    const rss = (i.rssStartBytes.value ?? 0) + perInstance * (i.rssPerConnectionBytes.value ?? 0);
    const measuredRss = mean(h.rssBytes);
    const error = (rss - measuredRss) / measuredRss;
    checks.push({
      figure: `${fmt(h.asked / 1000)}k section: RSS per instance holding ${fmt(held)} connections over ${h.instances} instances (mean)`,
      predicted: ranIdle
        ? `${fmt(rss / MiB)} MiB (${fmt((i.rssStartBytes.value ?? 0) / MiB)} MiB + ${fmt(perInstance)} x ${fmt((i.rssPerConnectionBytes.value ?? 0) / 1024, 1)} KiB)`
        : source,
      measured: `${fmt(measuredRss / MiB)} MiB (${h.rssBytes.map((b) => fmt(b / MiB)).join(' / ')})`,
      ...(ranIdle ? { error } : {}),
      verdict: ranIdle ? verdictOf(error) : '-',
    });
    const pairs = pairsOf(h.connections, h.rooms, h.instances);
    const server =
      (h.instances * (i.idleBaseUsPerSec.value ?? 0) +
        held * (i.idleUsPerConnectionSec.value ?? 0)) /
      US;
    const redis =
      (h.instances * (c.redis.idleUsPerInstanceSec.value ?? 0) +
        pairs * (c.redis.idleUsPerRoomInstanceSec.value ?? 0) +
        held * (c.redis.idleUsPerConnectionSec.value ?? 0)) /
      US;
    for (const [what, predicted, measured] of [
      ["instances' CPU", server, h.idle?.serverPct],
      ['Redis CPU', redis, h.idle?.redisPct],
    ] as const) {
      const error = measured ? (predicted * 100 - measured) / measured : undefined;
      checks.push({
        figure: `${fmt(h.asked / 1000)}k section: ${what} holding them idle (% of a core)`,
        predicted: ranIdle
          ? `${fmt(predicted * 100, 1)} %${what === 'Redis CPU' ? ` (${h.instances} instances, ${fmt(pairs)} room-instance pairs)` : ''}`
          : source,
        measured:
          measured === undefined
            ? 'fills in from the next `npm run bench` (its 100k section holds the connections 120 s and reads their CPU)'
            : `${fmt(measured, 1)} %`,
        ...(error !== undefined && ranIdle ? { error } : {}),
        verdict: error !== undefined && ranIdle ? verdictOf(error) : '-',
      });
    }
  } else {
    checks.push({
      figure: '100k section: RSS per instance and idle CPU',
      predicted: '-',
      measured: 'fills in from `npm run bench` (full) or `npm run bench:100k`',
      verdict: '-',
    });
  }
  // The knee: on one machine every instance, Redis and the generator share its cores; an
  // instance more adds its own base CPU and takes that much from the messages' share.
  const knees = r.scale?.knee ?? [];
  for (const redisKind of ['1 Redis', '3-master Redis Cluster']) {
    const two = kneeText(knees.find((k) => k.redis === redisKind && k.instances === 2));
    const four = kneeText(knees.find((k) => k.redis === redisKind && k.instances === 4));
    const cores = coresOf(r);
    const base = ((i.idleBaseUsPerSec.value ?? 0) + (i.trafficBaseUsPerSec.value ?? 0)) / US;
    const factor = (cores - 4 * base) / (cores - 2 * base);
    const figure = `scale section: fan-out knee with 4 instances, ${redisKind} (from the knee with 2)`;
    if (two.value === undefined) {
      checks.push({
        figure,
        predicted: 'no knee with 2 instances in this run',
        measured: four.text,
        verdict: '-',
      });
      continue;
    }
    const predicted = two.value * factor;
    const comparable = two.reached && four.reached && four.value !== undefined;
    const error = comparable ? (predicted - four.value!) / four.value! : undefined;
    checks.push({
      figure,
      predicted: `${two.reached ? '' : '>= '}${fmt(predicted)} msgs/s (${fmt(two.value)} x (${cores} - 4 x ${fmt(base, 3)}) / (${cores} - 2 x ${fmt(base, 3)}) cores)`,
      measured: four.text,
      ...(error !== undefined ? { error } : {}),
      verdict:
        error !== undefined
          ? verdictOf(error)
          : 'cannot say: a knee was not reached within the climb',
    });
  }
  return checks;
}

function validationTable(r: Results | undefined, from: string): string[] {
  if (!r) {
    return [
      `No bench results at \`${from}\` yet: the table fills in when \`npm run bench\` (full: its rss,`,
      'idle, 100k and scale sections) has run and `npm run bench:validate` reads its results.json.',
    ];
  }
  const checks = validate(r);
  return [
    `From the run of ${r.date.slice(0, 16).replace('T', ' ')} UTC, commit ${r.commit}, on ${r.machine}.`,
    '',
    '| figure | predicted | measured | error | within 20 % |',
    '| --- | --- | --- | --- | --- |',
    ...checks.map(
      (c) =>
        `| ${c.figure} | ${c.predicted} | ${c.measured} | ${c.error === undefined ? '-' : `${c.error > 0 ? '+' : ''}${fmt(c.error * 100, 1)} %`} | ${c.verdict} |`,
    ),
  ];
}

/** The worked examples: 1M users in three shapes, with the default deployment. */
export const SCENARIOS = [
  { users: 1_000_000, roomSize: 50, rate: 1000 },
  { users: 1_000_000, roomSize: 500, rate: 200 },
  { users: 1_000_000, roomSize: 5, rate: 10_000 },
];

function examples(costs: Costs): string[] {
  const plans: CapacityPlan[] = SCENARIOS.map((q) => planCapacity(q, costs, DEFAULT_DEPLOYMENT));
  const row = (what: string, f: (p: CapacityPlan) => string): string =>
    `| ${what} | ${plans.map(f).join(' | ')} |`;
  const n = (x: number | null): string => (x === null ? 'none fits' : fmt(x));
  const first = plans[0]!;
  return [
    `Costs of the run: ${costs.run}. Deployment: the defaults (hosts of ${DEFAULT_DEPLOYMENT.hostCores} cores and ${DEFAULT_DEPLOYMENT.hostMemoryBytes / 2 ** 30} GiB, Redis masters of ${DEFAULT_DEPLOYMENT.redisMemoryBytes / 2 ** 30} GiB and ${DEFAULT_DEPLOYMENT.redisNetBytesPerSec / 1e6} MB/s, ${DEFAULT_DEPLOYMENT.headroom * 100} % headroom).`,
    '',
    `| | ${SCENARIOS.map((q) => `S = ${q.roomSize}, M = ${fmt(q.rate)}`).join(' | ')} |`,
    `|---|${SCENARIOS.map(() => '---').join('|')}|`,
    row('rooms', (p) => fmt(p.load.rooms)),
    row('deliveries/s', (p) => fmt(p.load.deliveriesPerSec)),
    row(
      'instances (by memory / by CPU)',
      (p) => `**${n(p.instances.needed)}** (${n(p.instances.byMemory)} / ${n(p.instances.byCpu)})`,
    ),
    row('hosts', (p) => n(p.instances.hosts)),
    row('CPU per instance (cores)', (p) => fmt(p.instances.perInstance.cpuCores, 3)),
    row('instances per room', (p) => fmt(p.load.instancesPerRoom, 1)),
    row('Redis CPU (cores)', (p) => fmt(p.redis.cores, 2)),
    row('Redis commands/s', (p) => fmt(p.redis.opsPerSec)),
    row('Redis network', (p) =>
      costs.redis.bytesPerPush.value === null
        ? 'not measured yet'
        : `${fmt(p.redis.bytesPerSec / 1e6, 1)} MB/s`,
    ),
    row('Redis memory', (p) =>
      costs.redis.historyEntryBytes.value === null
        ? 'not measured yet'
        : `${fmt(p.redis.memoryBytes.total / 2 ** 30, 1)} GiB (history ${fmt(p.redis.memoryBytes.history / 2 ** 30, 1)})`,
    ),
    row(
      'Redis masters (CPU / network / memory)',
      (p) =>
        `**${p.redis.masters}** (${p.redis.byCpu} / ${p.redis.byNetwork} / ${p.redis.byMemory})`,
    ),
    row('first bottleneck', (p) => p.firstBottleneck),
    '',
    `The arithmetic of the first (\`chat-admin capacity --users ${first.question.users} --room-size ${first.question.roomSize} --rate ${first.question.rate}\`):`,
    '',
    '| step | arithmetic | result |',
    '| --- | --- | --- |',
    ...first.steps.map(
      (s) => `| ${s.what} | ${s.formula} | ${s.value === null ? '-' : fmt(s.value, 3)} ${s.unit} |`,
    ),
    '',
    first.costs.unmeasured.length > 0
      ? `Not measured by that run, counted as 0: ${first.costs.unmeasured.map((u) => `\`${u.name}\``).join(', ')}.`
      : 'Every cost was measured.',
  ];
}

/** The costs the model runs on, each with the bench section (or code) it comes from. */
function costsTable(costs: Costs): string[] {
  return [
    `Measured by the run of ${costs.run}.`,
    '',
    '| cost | value | where it comes from |',
    '| --- | --- | --- |',
    ...listCosts(costs).map(
      ({ name, cost }) =>
        `| \`${name}\` | ${cost.value === null ? 'not measured yet' : fmt(cost.value, 4)} | ${cost.source} |`,
    ),
  ];
}

/** Replaces the block between `<!-- name:start -->` and `<!-- name:end -->`. */
function fill(md: string, name: string, lines: string[]): string {
  const re = new RegExp(`<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->`);
  if (!re.test(md)) throw new Error(`docs/capacity.md has no ${name} block`);
  return md.replace(
    re,
    [`<!-- ${name}:start -->`, '', ...lines, '', `<!-- ${name}:end -->`].join('\n'),
  );
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]);
if (isMain) {
  const { values } = parseArgs({ options: { from: { type: 'string' } } });
  const from = values.from ?? path.join(ROOT, 'bench/out/results.json');
  const results = existsSync(from)
    ? (JSON.parse(readFileSync(from, 'utf8')) as Results)
    : undefined;
  let md = readFileSync(DOC, 'utf8');
  md = fill(md, 'validation', validationTable(results, path.relative(ROOT, from)));
  md = fill(md, 'costs', costsTable(MEASURED));
  md = fill(md, 'examples', examples(MEASURED));
  const out = await prettier.format(md, { ...(await prettier.resolveConfig(DOC)), filepath: DOC });
  writeFileSync(DOC, out);
  process.stderr.write(`bench:validate: wrote ${path.relative(ROOT, DOC)}\n`);
}
