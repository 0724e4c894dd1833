/**
 * The capacity model's costs from a bench run: `npm run bench:costs` reads
 * bench/out/results.json (or `--from FILE`) and rewrites src/admin/capacity/measured.ts, the
 * costs `chat-admin capacity` uses, and bench/out/costs.json (for `--costs`); a full
 * `npm run bench` does the same at its end. A cost the run did not measure keeps the value
 * (and source) it had.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { Costs, type Cost } from '../src/admin/capacity/costs.js';
import { MEASURED } from '../src/admin/capacity/measured.js';
import { lineFit, median } from './fit.js';
import { ROOM_SIZE, type Point } from './fanout.js';
import { ENTRY_RENEW_MS } from '../src/server/rooms/presence.js';
import { RENEWAL_COMMANDS } from '../src/server/rooms/scripts/presence-renew.js';
import { IDLE_ROOMS, type IdleTier } from './idle.js';
import { fanoutLine, type Results } from './results.js';
import { SCALE_MEMBERS, SCALE_ROOMS, type ReceivedRow } from './scale.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const US = 1e6;
const r1 = (x: number): number => Math.round(x * 10) / 10;
const mib = (b: number): string => `${Math.round(b / 2 ** 20)} MiB`;
const cost = (value: number, source: string): Cost => ({
  value: Math.max(0, Number(value.toPrecision(4))),
  source,
});

const KEPT = 'kept from before: ';
/**
 * A cost's source when this run did not resolve it (`why`) and the last one's value is kept:
 * where that value came from, and the run (`prevRun`: date and commit) that measured it.
 */
const keptSource = (why: string, prevSource: string, prevRun: string): string => {
  const at = prevSource.indexOf(KEPT);
  const from =
    at >= 0
      ? prevSource.slice(at + KEPT.length)
      : `${prevSource} (the run of ${prevRun.split(', ').slice(0, 2).join(', ')})`;
  return `${why}; ${KEPT}${from}`;
};

/** Idle figures fitted over the tiers of ours: per connection (slope) and with none (intercept). */
interface IdleFit {
  instances: number;
  pairs: number;
  serverBase: number;
  serverPerConn: number;
  /** The instances' slope is the last run's: these tiers did not resolve it (see `resolvedLine`). */
  serverKept: boolean;
  redisBase: number;
  redisPerConn: number;
  redisKept: boolean;
  commands?: { base: number; perConn: number };
  bytes?: { base: number; perConn: number };
}

/**
 * A line through the tiers' CPU (cores) over their connections. Every connection costs some
 * CPU while idle (its pings, its timers): a slope of 0 or less says the tiers did not resolve
 * that cost (the larger measured no more than the smaller, inside the holds' spread), not that
 * it is none. Then the slope of the last run that resolved it (`prevPerConn`, cores per
 * connection) is kept, and the intercept is what the tiers measured less it (their mean).
 */
function resolvedLine(
  points: { x: number; y: number }[],
  prevPerConn: number,
): { slope: number; intercept: number; kept: boolean } | undefined {
  const line = lineFit(points);
  if (!line) return undefined;
  if (line.slope > 0 || prevPerConn <= 0) return { ...line, kept: false };
  const rest = points.map((p) => p.y - prevPerConn * p.x);
  const intercept = rest.reduce((a, b) => a + b, 0) / rest.length;
  return { slope: prevPerConn, intercept, kept: true };
}

function fitIdle(tiers: IdleTier[], prev: Costs): IdleFit | undefined {
  const fit = (y: (t: IdleTier) => number): { slope: number; intercept: number } | undefined =>
    lineFit(tiers.map((t) => ({ x: t.connections, y: y(t) })));
  const cpu = (y: (t: IdleTier) => number, prevUs: number | null | undefined) =>
    resolvedLine(
      tiers.map((t) => ({ x: t.connections, y: y(t) })),
      (prevUs ?? 0) / US,
    );
  const server = cpu((t) => t.serverPct / 100, prev.instance.idleUsPerConnectionSec.value);
  const redis = cpu((t) => t.redisPct / 100, prev.redis.idleUsPerConnectionSec.value);
  if (!server || !redis) return undefined;
  const instances = tiers[0]!.instances ?? 2;
  const held = tiers.filter((t) => t.redisHold && t.redisHold.seconds > 0);
  const per = (y: (t: IdleTier) => number): { base: number; perConn: number } | undefined => {
    const line = held.length === tiers.length ? fit(y) : undefined;
    return line && { base: line.intercept, perConn: line.slope };
  };
  return {
    instances,
    pairs: IDLE_ROOMS * instances,
    serverBase: server.intercept,
    serverPerConn: server.slope,
    serverKept: server.kept,
    redisBase: redis.intercept,
    redisPerConn: redis.slope,
    redisKept: redis.kept,
    commands: per((t) => t.redisHold!.commands / t.redisHold!.seconds),
    bytes: per((t) => (t.redisHold!.bytesIn + t.redisHold!.bytesOut) / t.redisHold!.seconds),
  };
}

/** Redis's CPU (µs), commands and bytes each second per instance, with no client. */
function barePerInstance(b: NonNullable<Results['redisBare']>): {
  us: number;
  commands: number;
  bytes: number;
} {
  const per = (x: number): number => x / b.seconds / b.instances;
  return {
    us: per(b.redisCpuSeconds * US),
    commands: per(b.commands),
    bytes: per(b.bytesIn + b.bytesOut),
  };
}

/** The new costs: what `r` measured, the rest as in `prev`. */
export function costsFromResults(r: Results, prev: Costs): Costs {
  const c: Costs = structuredClone(prev);
  let pairsFromCode = false;
  c.run = `${r.date.slice(0, 19)}Z, commit ${r.commit}, ${r.machine}`;
  const i = c.instance;
  const rd = c.redis;

  const rss = r.rssStart?.ours;
  if (rss && rss.length > 0) {
    i.rssStartBytes = cost(
      rss.reduce((s, x) => s + x, 0) / rss.length,
      `rss: RSS per instance at start, before any client (${rss.map(mib).join(' / ')})`,
    );
  }
  if (r.sessionsRedis && r.sessionsRedis.sessions > 0) {
    rd.sessionBytes = cost(
      r.sessionsRedis.memoryBytes / r.sessionsRedis.sessions,
      `rss: Redis used_memory growth over making ${r.sessionsRedis.sessions} accounts with a session each`,
    );
  }

  const tiers = (r.idle ?? [])
    .filter((t) => t.kind === 'ours')
    .sort((a, b) => a.connections - b.connections);
  const idle = tiers.length >= 2 ? fitIdle(tiers, prev) : undefined;
  const list = tiers.map((t) => `${t.connections / 1000}k`).join(', ');
  if (idle) {
    const rssFit = lineFit(tiers.map((t) => ({ x: t.connections, y: t.rssBytes })));
    if (rssFit) {
      i.rssPerConnectionBytes = cost(
        rssFit.slope,
        `idle: slope of the instances' RSS over the ${list} tiers (${tiers.map((t) => `${r1(t.bytesPerConn / 1024)} KiB`).join(', ')} per connection over start)`,
      );
    }
    const pcts = tiers.map((t) => `${t.serverPct} %`).join(', ');
    const unresolved = (pctsOf: string): string =>
      `idle: the ${list} tiers (${pctsOf}) did not resolve a cost per connection (the larger measured no more than the smaller)`;
    i.idleBaseUsPerSec = cost(
      (idle.serverBase / idle.instances) * US,
      idle.serverKept
        ? `idle: the instances' CPU over the ${list} tiers (${pcts} of a core, ${idle.instances} instances) less the kept cost per connection, their mean, per instance`
        : `idle: intercept of the instances' CPU over the ${list} tiers (${pcts} of a core, ${idle.instances} instances), per instance`,
    );
    i.idleUsPerConnectionSec = cost(
      idle.serverPerConn * US,
      idle.serverKept
        ? keptSource(unresolved(pcts), prev.instance.idleUsPerConnectionSec.source, prev.run)
        : `idle: slope of the instances' CPU over the ${list} tiers (${pcts})`,
    );
    const rpcts = tiers.map((t) => `${t.redisPct} %`).join(', ');
    // What the instances cost Redis with no client (their beats and status writes) is per
    // instance; the tiers' intercept less that is per (room, instance) pair. Without the
    // bare reading all of the intercept is counted per pair (more than it is, at scale).
    const bare = r.redisBare;
    const perInstance = bare && bare.seconds > 0 ? barePerInstance(bare) : undefined;
    if (perInstance) {
      rd.idleUsPerInstanceSec = cost(
        perInstance.us,
        `idle: Redis CPU with ${bare!.instances} instances up and no client (${r1((bare!.redisCpuSeconds / bare!.seconds) * 100)} % of a core over ${bare!.seconds} s), per instance`,
      );
      rd.idleCommandsPerInstanceSec = cost(
        perInstance.commands,
        `idle: Redis commands/s with ${bare!.instances} instances up and no client (INFO commandstats), per instance`,
      );
      rd.idleBytesPerInstanceSec = cost(
        perInstance.bytes,
        `idle: Redis net bytes/s (in + out) with ${bare!.instances} instances up and no client, per instance`,
      );
    }
    const less = (base: number, per: number | undefined): number =>
      Math.max(0, base - (per ?? 0) * idle.instances);
    // Below what the two tiers resolve (the session sweep, every 120 s per session, lands in
    // one 75 s hold and not in the other): the pairs' renewals are counted from the code
    // once the run's cost per command is known (below).
    pairsFromCode =
      perInstance !== undefined &&
      (idle.commands === undefined || less(idle.commands.base, perInstance.commands) <= 0);
    const lessText = perInstance ? `, less ${idle.instances} instances' own` : '';
    rd.idleUsPerRoomInstanceSec = cost(
      less(idle.redisBase * US, perInstance?.us) / idle.pairs,
      `idle: intercept of Redis CPU over the ${list} tiers (${rpcts})${lessText}, / ${idle.pairs} (${IDLE_ROOMS} rooms x ${idle.instances} instances)`,
    );
    rd.idleUsPerConnectionSec = cost(
      idle.redisPerConn * US,
      idle.redisKept
        ? keptSource(unresolved(rpcts), prev.redis.idleUsPerConnectionSec.source, prev.run)
        : `idle: slope of Redis CPU over the ${list} tiers (${rpcts})`,
    );
    if (idle.commands) {
      rd.idleCommandsPerRoomInstanceSec = cost(
        less(idle.commands.base, perInstance?.commands) / idle.pairs,
        `idle: Redis commands/s over the hold (INFO commandstats), intercept over the ${list} tiers${lessText}, / ${idle.pairs} (room, instance) pairs`,
      );
      rd.idleCommandsPerConnectionSec = cost(
        idle.commands.perConn,
        `idle: Redis commands/s over the hold, slope per connection over the ${list} tiers`,
      );
    }
    if (idle.bytes) {
      rd.idleBytesPerRoomInstanceSec = cost(
        less(idle.bytes.base, perInstance?.bytes) / idle.pairs,
        `idle: Redis net bytes/s (in + out) over the hold, intercept${lessText}, / ${idle.pairs} pairs`,
      );
      rd.idleBytesPerConnectionSec = cost(
        idle.bytes.perConn,
        `idle: Redis net bytes/s (in + out) over the hold, slope per connection`,
      );
    }
    // Connect and join phases of the largest tier, less what holding the connections costs
    // meanwhile (half of them on average while connecting, all while joining).
    const t = tiers.at(-1)!;
    const n = t.connections - t.failed;
    const serverIdle = (conns: number): number => idle.serverBase + idle.serverPerConn * conns;
    const redisIdle = (conns: number): number => idle.redisBase + idle.redisPerConn * conns;
    const cmdIdle = (conns: number): number =>
      idle.commands ? idle.commands.base + idle.commands.perConn * conns : 0;
    const byteIdle = (conns: number): number =>
      idle.bytes ? idle.bytes.base + idle.bytes.perConn * conns : 0;
    const phase = (name: 'connect' | 'join', held: number): void => {
      const cpu = name === 'connect' ? t.connectCpu : t.joinCpu;
      const red = name === 'connect' ? t.redisConnect : t.redisJoin;
      const what = `idle: ${name} phase of the ${t.connections / 1000}k tier`;
      const key = name === 'connect' ? 'Connect' : 'Join';
      if (cpu && n > 0) {
        i[`usPer${key}`] = cost(
          ((cpu.server - serverIdle(held) * cpu.seconds) / n) * US,
          `${what}: instances' CPU per ${name} (${r1(cpu.server)} s over ${r1(cpu.seconds)} s, less holding)`,
        );
        rd[`usPer${key}`] = cost(
          ((cpu.redis - redisIdle(held) * cpu.seconds) / n) * US,
          `${what}: Redis CPU per ${name}, less holding`,
        );
      }
      if (red && n > 0) {
        rd[`commandsPer${key}`] = cost(
          (red.commands - cmdIdle(held) * red.seconds) / n,
          `${what}: Redis commands (INFO commandstats) per ${name}, less holding`,
        );
        rd[`bytesPer${key}`] = cost(
          (red.bytesIn + red.bytesOut - byteIdle(held) * red.seconds) / n,
          `${what}: Redis net bytes (in + out) per ${name}, less holding`,
        );
        if (name === 'join') {
          rd.memberBytes = cost(
            red.memoryBytes / n,
            `${what}: Redis used_memory growth per join (presence entry, room keys)`,
          );
        }
      }
    };
    phase('connect', n / 2);
    phase('join', n);
  }

  const f = r.fanout;
  const headline = (f?.points ?? []).filter((p) => p.kind === 'ours');
  // What 1000 idle members in 10 rooms on 2 instances cost Redis each second meanwhile.
  const fanoutPairs = 20;
  const idleRedis = (per: 'cpu' | 'commands' | 'bytes'): number => {
    if (!idle) return 0;
    if (per === 'cpu')
      return (idle.redisBase / idle.pairs) * fanoutPairs + idle.redisPerConn * 1000;
    const line = per === 'commands' ? idle.commands : idle.bytes;
    return line ? (line.base / idle.pairs) * fanoutPairs + line.perConn * 1000 : 0;
  };
  const perMessage = (y: (p: Point, secs: number) => number): number =>
    median(
      headline
        .filter((p) => p.sent > 0)
        .map((p) => y(p, p.redis?.seconds ?? (f?.measureMs ?? 0) / 1000) / p.sent),
    );
  if (f && headline.length > 0) {
    const line = fanoutLine(f, 'ours');
    if (line) {
      i.usPerDelivery = cost(
        line.slope * US,
        `fanout: marginal server CPU per delivery (slope over ${f.rates.map((x) => `${(x * ROOM_SIZE) / 1000}k`).join(', ')} deliveries/s; ${f.rates.map((x) => median(headline.filter((p) => p.rate === x).map((p) => p.usPerDelivery))).join(', ')} µs average)`,
      );
      i.trafficBaseUsPerSec = cost(
        (line.intercept / 2 -
          valueOr(i.idleBaseUsPerSec) / US -
          (500 * valueOr(i.idleUsPerConnectionSec)) / US) *
          US,
        `fanout: intercept of that slope (${r1(line.intercept * 100)} % of a core over 2 instances), per instance, less holding 500 connections idle`,
      );
    }
    rd.usPerMessage = cost(
      median(headline.map((p) => p.redisUsPerDelivery * ROOM_SIZE)) -
        (idleRedis('cpu') * US) / median(headline.map((p) => p.rate)),
      'fanout: Redis CPU per message, rooms on 2 instances (median of the headline points, less holding)',
    );
    const withRedis = headline.filter((p) => p.redis);
    if (withRedis.length > 0) {
      rd.commandsPerMessage = cost(
        perMessage((p, s) => p.redis!.commands - idleRedis('commands') * s),
        'fanout: Redis commands per message (INFO commandstats over the window, median of the headline points, less holding)',
      );
      rd.bytesInPerMessage = cost(
        perMessage((p, s) => p.redis!.bytesIn - idleRedis('bytes') * s * 0.5),
        'fanout: Redis net input per message (median of the headline points)',
      );
      rd.bytesPerPush = cost(
        perMessage((p, s) => p.redis!.bytesOut - idleRedis('bytes') * s * 0.5) / 2,
        'fanout: Redis net output per message / 2 subscribed instances (the script reply counted in)',
      );
    }
  }
  if (f?.memory && f.memory.streams.entries > 0) {
    rd.historyEntryBytes = cost(
      f.memory.streams.bytes / f.memory.streams.entries,
      `fanout: MEMORY USAGE of the ${f.memory.streams.keys} rooms' streams / their ${f.memory.streams.entries} entries`,
    );
  }
  if (f?.memory && f.memory.dedupe.keys > 0) {
    rd.dedupeKeyBytes = cost(
      f.memory.dedupe.bytes / f.memory.dedupe.keys,
      `fanout: MEMORY USAGE of ${f.memory.dedupe.keys} sends' deduplication keys, mean`,
    );
  }

  // Rooms of 5 on 4 instances: what a message costs beyond its deliveries and beyond what the
  // instances spend anyway, as the model counts it (each instance's idle base and traffic base,
  // the connections held); every room on one instance, then (ours' second row) on two.
  const scaleRows = r.scale?.received ?? [];
  // A layout's windows (ours runs each several times, alternating) summed into one.
  const spanRow = (span: number): ReceivedRow | undefined => {
    const rows = scaleRows.filter(
      (x) =>
        (x.span ?? 1) === span &&
        x.messages !== undefined &&
        x.messages > 0 &&
        x.serverCpuSeconds !== undefined &&
        x.redis !== undefined,
    );
    const first = rows[0];
    if (!first) return undefined;
    const sum = (f: (x: ReceivedRow) => number): number => rows.reduce((n, x) => n + f(x), 0);
    return {
      ...first,
      messages: sum((x) => x.messages!),
      serverCpuSeconds: sum((x) => x.serverCpuSeconds!),
      redisCpuSeconds: rows.every((x) => x.redisCpuSeconds !== undefined)
        ? sum((x) => x.redisCpuSeconds!)
        : undefined,
      inputPerSec: Math.round(sum((x) => x.inputPerSec) / rows.length),
      redis: {
        commands: sum((x) => x.redis!.commands),
        bytesIn: sum((x) => x.redis!.bytesIn),
        bytesOut: sum((x) => x.redis!.bytesOut),
        memoryBytes: sum((x) => x.redis!.memoryBytes),
        seconds: sum((x) => x.redis!.seconds),
      },
    };
  };
  const messageCost = (x: ReceivedRow): number => {
    const secs = x.redis!.seconds;
    const instances = x.perInstancePerSec.length;
    const members = x.deliveriesPerMessage ?? SCALE_MEMBERS;
    const baseUsPerSec =
      instances * (valueOr(i.idleBaseUsPerSec) + valueOr(i.trafficBaseUsPerSec)) +
      (x.connections ?? SCALE_ROOMS * members) * valueOr(i.idleUsPerConnectionSec);
    return (
      (x.serverCpuSeconds! * US - baseUsPerSec * secs) / x.messages! -
      members * valueOr(i.usPerDelivery)
    );
  };
  const one = spanRow(1);
  const two = spanRow(2);
  if (one) {
    const whole = messageCost(one);
    const layout = `rooms of ${one.deliveriesPerMessage ?? SCALE_MEMBERS} on ${one.perInstancePerSec.length} instances`;
    const less = "less its deliveries and the instances' idle and traffic bases";
    if (two) {
      // The two rows differ only in how many instances hear each message: their difference is
      // hearing it, every base cancelling (same instances, same time). The whole rests on the
      // bases subtracted (the fan-out's intercept, a fit at higher rates) and can come out at or
      // below hearing on this machine; the sender's part then counts as 0, and says so.
      const heard = Math.max(0, messageCost(two) - whole);
      const capped =
        whole - heard < 0
          ? `; the whole with every room on 1 instance came out at ${r1(whole)} µs after the bases, so the sender's part counts as 0`
          : '';
      i.usPerMessageHeard = cost(
        heard,
        `scale: instances' CPU per message with every room on 2 instances minus on 1 (${layout}; ${two.messages} and ${one.messages} messages, ${less}): what each further instance serving a room spends on each of its messages${capped}`,
      );
      i.usPerMessage = cost(
        whole - heard,
        `scale: instances' CPU per message with every room on 1 instance (${layout}, ${one.messages} messages, ${less}; ${r1(whole)} µs), minus hearing it: the part only the sender's instance pays`,
      );
    } else {
      i.usPerMessage = cost(
        whole,
        `scale: instances' CPU per message with every room on 1 instance (${layout}, ${one.messages} messages, ${less})`,
      );
      i.usPerMessageHeard = {
        value: null,
        source:
          'not measured (the run has no scale row with rooms on 2 instances): usPerMessage is charged to every instance serving a room',
      };
    }
    if (one.redisCpuSeconds !== undefined) {
      const redisOne = (one.redisCpuSeconds / one.messages!) * US;
      rd.usPerMessage = cost(
        redisOne,
        `scale: Redis CPU per message with its room on one instance (${one.messages} messages at ${one.inputPerSec}/s)`,
      );
      if (two?.redisCpuSeconds !== undefined) {
        rd.usPerPush = cost(
          (two.redisCpuSeconds / two.messages!) * US - redisOne,
          `scale: Redis CPU per message with every room on 2 instances minus on 1 (${two.messages} and ${one.messages} messages)`,
        );
      } else {
        const twoFanout = median(
          headline.filter((p) => p.rate === 200).map((p) => p.redisUsPerDelivery * ROOM_SIZE),
        );
        if (twoFanout > 0) {
          rd.usPerPush = cost(
            twoFanout - redisOne,
            'fanout at 200 msgs/s (rooms on 2 instances) minus scale (rooms on 1) per message',
          );
        }
      }
    }
  }
  if (pairsFromCode) pairCostsFromCode(c);
  return Costs.parse(c);
}

const valueOr = (c: Cost): number => c.value ?? 0;

/** The TypeScript module of the default costs, formatted as the repository formats code. */
async function measuredModule(c: Costs): Promise<string> {
  const file = path.join(ROOT, 'src/admin/capacity/measured.ts');
  const text = `import type { Costs } from './costs.js';

/**
 * The costs \`chat-admin capacity\` uses unless given \`--costs FILE\`: the last full
 * \`npm run bench\`'s figures. \`npm run bench:costs\` rewrites this file from
 * bench/out/results.json (and \`npm run bench\` does at the end of a full run); a cost that run
 * did not measure keeps its value here.
 */
export const MEASURED: Costs = ${JSON.stringify(c, null, 2)};
`;
  return prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file });
}

/** Writes the costs of run `r` (kept: what it did not measure) where the model reads them. */
export async function writeCosts(r: Results, prev: Costs = MEASURED): Promise<Costs> {
  const c = costsFromResults(r, prev);
  writeFileSync(path.join(ROOT, 'src/admin/capacity/measured.ts'), await measuredModule(c));
  mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench/out/costs.json'), `${JSON.stringify(c, null, 2)}\n`);
  process.stderr.write('bench: wrote src/admin/capacity/measured.ts and bench/out/costs.json\n');
  return c;
}

/**
 * A (room, instance) pair's idle cost from the code: one renewal of the instance's entries in
 * the room every ENTRY_RENEW_MS (RENEWAL_COMMANDS commands), at what an idle command cost
 * Redis in this run: the idle tiers' slope of Redis CPU (and bytes) per connection over their
 * slope of commands per connection, the same light commands a renewal runs (sorted-set adds
 * and trims, expiries). Without those slopes, at what a command of the fan-out's append cost
 * (a heavier script: it overstated a pair about fivefold, bench/ANALYSIS.md l).
 */
function pairCostsFromCode(c: Costs): void {
  const rd = c.redis;
  const perSec = RENEWAL_COMMANDS / (ENTRY_RENEW_MS / 1000);
  const why = `from the code: one renewal (${RENEWAL_COMMANDS} commands) every ${ENTRY_RENEW_MS / 1000} s (src/server/rooms/presence.ts); the idle tiers' intercept, less the instances' own, was below what they resolve`;
  const idleCommands = rd.idleCommandsPerConnectionSec.value ?? 0;
  const idleUs = rd.idleUsPerConnectionSec.value ?? 0;
  const idleBytes = rd.idleBytesPerConnectionSec.value ?? 0;
  let us: number;
  let bytes: number;
  let at: string;
  if (idleCommands > 0 && idleUs > 0 && idleBytes > 0) {
    us = idleUs / idleCommands;
    bytes = idleBytes / idleCommands;
    at =
      'an idle command (the idle tiers: Redis CPU and bytes per connection over commands per connection)';
  } else {
    const commandsPerMessage = rd.commandsPerMessage.value ?? 0;
    if (commandsPerMessage <= 0) return;
    us = (rd.usPerMessage.value ?? 0) / commandsPerMessage;
    bytes = (rd.bytesInPerMessage.value ?? 0) / commandsPerMessage;
    at = "a command of the fan-out's append (Redis CPU and bytes in over commands per message)";
  }
  rd.idleCommandsPerRoomInstanceSec = cost(perSec, why);
  rd.idleUsPerRoomInstanceSec = cost(perSec * us, `${why}; x ${r1(us)} µs, ${at}`);
  rd.idleBytesPerRoomInstanceSec = cost(perSec * bytes, `${why}; x ${r1(bytes)} B, ${at}`);
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]);
if (isMain) {
  const { values } = parseArgs({ options: { from: { type: 'string' } } });
  const from = values.from ?? path.join(ROOT, 'bench/out/results.json');
  const results = JSON.parse(readFileSync(from, 'utf8')) as Results;
  if (results.quick) {
    process.stderr.write(`bench:costs: ${from} is a --quick run: its figures mean nothing\n`);
    process.exit(2);
  }
  await writeCosts(results);
}
