/**
 * The scale section of `npm run bench` (`npm run bench:scale` runs it alone): what adding
 * instances and Redis masters changes.
 *
 * A. Fan-out each instance receives: 4 instances, 40 rooms, every room's members on one
 *    instance. Ours subscribes per room (chat_fanout_received_total in /metrics); plain
 *    Socket.IO's classic Redis adapter sends every broadcast to every instance (counted on its
 *    subscriber connection); the single channel this project used before did the same by
 *    construction.
 * B. The cluster's fan-out knee (highest input rate with p99 under 500 ms and >= 99% of the
 *    deliveries) with 1 Redis vs a 3-master Redis Cluster, and 2 vs 4 instances.
 *
 * Everything runs on this machine: generator, instances and every Redis share its cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { merge, percentiles } from '../src/admin/loadtest/histogram.js';
import { ChatClient } from '../src/client/chat-client.js';
import { TestRedisCluster } from '../test/helpers/redis-cluster.js';
import { readMetric } from '../test/helpers/metrics.js';
import { ADMIN_TOKEN, spawnOurInstances } from './cluster.js';
import { closeWindow, openWindow, sumPids } from './cpu.js';
import {
  KNEE_DELIVERED_PCT,
  KNEE_P99_MS,
  kneeReached,
  passes,
  type KneeRow,
  type KneeStep,
} from './knee.js';
import { deltaOf, RedisProbe, type RedisDelta } from './redis-stats.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
import {
  freePort,
  GenPool,
  killAll,
  sleep,
  startRedis,
  startRedisProc,
  track,
  waitLine,
} from './procs.js';

/** A small run (`--quick` of `npm run bench`, or BENCH_QUICK=1 when run alone). */
let QUICK = process.env.BENCH_QUICK === '1';
const log = (s: string): void => void process.stderr.write(`bench scale: ${s}\n`);

const ROOMS = 40;
const MEMBERS = 5;
/** The layout of the received section, for the costs it prices (bench/costs.ts). */
export const SCALE_ROOMS = ROOMS;
export const SCALE_MEMBERS = MEMBERS;

interface Running {
  urls: string[];
  procs: ChildProcess[];
  /** Room messages each instance received from Redis so far. */
  received(): Promise<number[]>;
}

async function startOurs(n: number, redisEnv: Record<string, string>): Promise<Running> {
  const { urls, procs } = await spawnOurInstances(n, { env: redisEnv, idPrefix: 'scale' });
  return {
    urls,
    procs,
    received: () =>
      Promise.all(urls.map(async (u) => (await readMetric(u, 'chat_fanout_received_total')) || 0)),
  };
}

async function startPlain(n: number, redisUrl: string): Promise<Running> {
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const procs = ports.map((port) =>
    track(
      spawn(process.execPath, [path.join(HERE, 'baseline-server.js'), String(port), redisUrl], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    ),
  );
  await Promise.all(procs.map((p) => waitLine(p, (l) => l.startsWith('baseline ready'))));
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  return {
    urls,
    procs,
    received: () =>
      Promise.all(urls.map(async (u) => Number(await (await fetch(`${u}/received`)).text()))),
  };
}

function stop(r: Running): Promise<void> {
  const gone = r.procs.map((p) =>
    p.exitCode === null ? new Promise((res) => p.once('exit', res)) : Promise.resolve(),
  );
  for (const p of r.procs) p.kill('SIGKILL');
  return Promise.all(gone).then(() => undefined);
}

/** One chatting member: sends to its room and reports each received message's latency. */
interface Member {
  send(text: string): void;
  close(): void;
}

async function tokens(url: string, count: number, prefix: string): Promise<string[]> {
  const admin = io(`${url}/admin`, {
    auth: { adminToken: ADMIN_TOKEN },
    transports: ['websocket'],
  });
  const res = (await admin.timeout(30_000).emitWithAck('admin:users:create', {
    prefix,
    from: 0,
    count,
    ttlSec: 3600,
  })) as { ok: boolean; data: { users: { token: string }[] } };
  admin.close();
  if (!res.ok) throw new Error('admin:users:create failed');
  return res.data.users.map((u) => u.token);
}

/**
 * Members of room r connect to instance r % instances, so every room lives on one instance;
 * with `span` 2 its members alternate between that instance and the next, so every room is
 * served by two (each of its messages is heard by both). `roomPrefix` names the rooms apart when
 * two sets of members share a cluster.
 */
async function membersOurs(
  r: Running,
  onLatency: (ms: number) => void,
  prefix: string,
  span = 1,
  roomPrefix = '',
): Promise<Member[]> {
  const toks = await tokens(r.urls[0]!, ROOMS * MEMBERS, prefix);
  const out: Member[] = [];
  for (let i = 0; i < ROOMS * MEMBERS; i++) {
    const room = `${roomPrefix}r${i % ROOMS}`;
    const nth = Math.floor(i / ROOMS);
    const c = new ChatClient({
      servers: [r.urls[((i % ROOMS) + (nth % span)) % r.urls.length]!],
      token: toks[i]!,
      pingEveryMs: 0,
      ackTimeoutMs: 15_000,
    });
    c.on('message', (m) => onLatency(Date.now() - m.ts));
    await c.connect();
    await c.join(room);
    out.push({ send: (text) => void c.send(room, text), close: () => c.close() });
  }
  return out;
}

async function membersPlain(r: Running, onLatency: (ms: number) => void): Promise<Member[]> {
  const out: Member[] = [];
  for (let i = 0; i < ROOMS * MEMBERS; i++) {
    const room = `r${i % ROOMS}`;
    const s: Socket = io(r.urls[(i % ROOMS) % r.urls.length], {
      transports: ['websocket'],
      forceNew: true,
    });
    s.on('message', (m: { ts: number }) => onLatency(Date.now() - m.ts));
    await s.timeout(10_000).emitWithAck('join', room);
    out.push({
      send: (text) => s.emit('message', room, text, () => undefined),
      close: () => s.close(),
    });
  }
  return out;
}

/** Sends `rate` messages a second for `secs`, from one member per room in turn. */
/**
 * Sends `rate x secs` messages on schedule; behind it, as fast as it can. Returns how many and
 * the rate it managed (below `rate` when the generator could not keep up).
 */
async function drive(
  members: Member[],
  rate: number,
  secs: number,
): Promise<{ sent: number; perSec: number }> {
  const perTick = Math.max(1, Math.round(rate / 100));
  let sent = 0;
  const total = rate * secs;
  const t0 = Date.now();
  while (sent < total) {
    for (let k = 0; k < perTick && sent < total; k++) {
      // Message k goes to room k % ROOMS, from its members in turn (member i is in room i % ROOMS).
      members[(sent % ROOMS) + (((sent / ROOMS) | 0) % MEMBERS) * ROOMS]!.send(`m${sent}`);
      sent++;
    }
    const due = t0 + (sent / rate) * 1000;
    await sleep(Math.max(0, due - Date.now()));
  }
  return { sent, perSec: Math.round(sent / Math.max(0.001, (Date.now() - t0) / 1000)) };
}

export interface ReceivedRow {
  system: string;
  /** Instances serving each room (ours: 1, and 2 for the rows that price hearing a message). */
  span?: number;
  /** Ours: connections the instances held over the window (both layouts' members). */
  connections?: number;
  perInstancePerSec: number[];
  inputPerSec: number;
  /**
   * Ours: messages sent, and what sending them cost (every room on one instance: each message
   * is stored, published to one instance and delivered to its room's members there).
   */
  messages?: number;
  deliveriesPerMessage?: number;
  serverCpuSeconds?: number;
  redisCpuSeconds?: number;
  redis?: RedisDelta;
}

/**
 * Rooms of 5 on 4 instances, each system on a cluster of its own, every room on one instance;
 * ours also with every room on two instances. Ours' two layouts run on one cluster, both sets
 * of members connected throughout, in alternating windows (1, 2, 1, 2, ...): the windows
 * differ only in how many instances hear each message (same processes, same connections held,
 * same messages and deliveries), so their CPU difference per message is what one more instance
 * serving a room spends on each of its messages, the capacity model's `usPerMessageHeard`
 * (bench/costs.ts). It is a small difference of two larger totals: one window of each in a
 * cluster of its own gave 180-720 µs across four full runs. Now four windows of each, in the
 * order 1, 2, 2, 1, 1, 2, 2, 1, summed by layout there.
 */
async function receivedSection(): Promise<ReceivedRow[]> {
  const rate = QUICK ? 40 : 200;
  const secs = QUICK ? 3 : 10;
  const reps = QUICK ? 1 : 4;
  const rows: ReceivedRow[] = [];
  for (const system of ['ours', 'plain'] as const) {
    const redis = await startRedisProc();
    const url = redis.url;
    const r = system === 'ours' ? await startOurs(4, { REDIS_URL: url }) : await startPlain(4, url);
    const sets =
      system === 'ours'
        ? [
            { span: 1, members: await membersOurs(r, () => undefined, 'ltscale0', 1, 'a-') },
            { span: 2, members: await membersOurs(r, () => undefined, 'ltscale1', 2, 'b-') },
          ]
        : [{ span: 1, members: await membersPlain(r, () => undefined) }];
    const connections = sets.reduce((n, x) => n + x.members.length, 0);
    // Each system's joins settle first (presence lists, the storm compactor's collection).
    await sleep(QUICK ? 1000 : 5000);
    const pids = r.procs.map((p) => p.pid!);
    // Every layout warmed up before any window counts: the first of three windows cost ours'
    // instances 2.75 and 2.97 CPU-s, the third 1.75 and 1.86 (the compiler, the heap's growth).
    for (const { members } of sets) await drive(members, rate, QUICK ? 1 : 5);
    await sleep(1000);
    for (let rep = 0; rep < (system === 'ours' ? reps : 1); rep++) {
      // 1, 2, 2, 1, ...: a drift over the windows (they kept getting cheaper: 2.65, 1.91 and
      // 1.44 CPU-s for the same 2000 messages, warmed up or not) falls on both layouts alike.
      for (const { span, members } of rep % 2 === 0 ? sets : [...sets].reverse()) {
        const probe = new RedisProbe(url);
        const before = await r.received();
        const r0 = await probe.read();
        const w = openWindow([...pids, redis.pid]);
        const t0 = Date.now();
        const { sent } = await drive(members, rate, secs);
        await sleep(1000);
        const cpu = closeWindow(w);
        const r1 = await probe.read();
        probe.close();
        const after = await r.received();
        const took = (Date.now() - t0) / 1000;
        rows.push({
          system:
            system === 'plain'
              ? 'plain Socket.IO, classic Redis adapter'
              : span === 1
                ? `ours (a channel per room), window ${rep + 1}`
                : `ours, every room on 2 instances, window ${rep + 1}`,
          ...(system === 'ours' ? { span, connections } : {}),
          perInstancePerSec: after.map((a, i) => Math.round((a - before[i]!) / took)),
          inputPerSec: Math.round((rate * secs) / took),
          ...(system === 'ours'
            ? {
                messages: sent,
                deliveriesPerMessage: MEMBERS,
                serverCpuSeconds: sumPids(cpu, pids),
                redisCpuSeconds: sumPids(cpu, [redis.pid]),
                redis: deltaOf(r0, r1),
              }
            : {}),
        });
        log(`received ${system} (span ${span}): ${JSON.stringify(rows[rows.length - 1])}`);
      }
    }
    for (const { members } of sets) for (const m of members) m.close();
    await stop(r);
  }
  return rows;
}

/** Generator processes the knee climb drives its members from (the fan-out section's workers). */
const KNEE_GENERATORS = 2;
/** A step: this long sending, of which the first `KNEE_WARMUP_MS` are not measured. */
const KNEE_STEP_MS = 6000;
const KNEE_WARMUP_MS = 1000;

/**
 * One step of the climb: every generator sends its share of `rate` (open loop: on schedule,
 * whatever the servers answer), and the receipts of the messages sent after the warm-up are
 * counted and timed by the members that receive them.
 */
async function kneeStep(gens: GenPool, rate: number): Promise<KneeStep> {
  const at = Date.now() + 300;
  const res = await gens.all(
    () => ({
      type: 'send',
      kind: 'ours',
      at,
      rate: rate / gens.size,
      ms: KNEE_STEP_MS,
      warmupMs: KNEE_WARMUP_MS,
      settleMs: 2000,
    }),
    KNEE_STEP_MS + 60_000,
  );
  const sent = res.reduce((n, r) => n + (r.sent ?? 0), 0);
  const received = res.reduce((n, r) => n + (r.received ?? 0), 0);
  const p = percentiles(merge(res.flatMap((r) => (r.hist ? [r.hist] : []))));
  const measuredSecs = (KNEE_STEP_MS - KNEE_WARMUP_MS) / 1000;
  const failedSends: Record<string, number> = {};
  for (const r of res) {
    for (const [why, n] of Object.entries(r.sendFailures ?? {})) {
      failedSends[why] = (failedSends[why] ?? 0) + n;
    }
  }
  return {
    ...(Object.keys(failedSends).length > 0 ? { failedSends } : {}),
    rate,
    p99: Math.round(p.p99),
    deliveredPct: sent > 0 ? Math.floor((received / (sent * MEMBERS)) * 1000) / 10 : 0,
    sentPerSec: Math.round(sent / measuredSecs),
  };
}

/**
 * The cluster's fan-out knee, climbed by generator processes of their own (the members spread
 * over them, each room's members over both): rates up by half at a time until one fails, then
 * two halvings of the interval between the last that passed and the first that failed, so the
 * knee is known to within a quarter of that interval. The climb stops at a step that passed
 * though the generators sent less than 90 % of its target: they, not the servers, were the
 * limit.
 */
async function kneeSection(): Promise<KneeRow[]> {
  const rates = QUICK
    ? [50, 100]
    : [400, 800, 1600, 2400, 3600, 5400, 8100, 12_150, 18_200, 27_300, 41_000];
  const rows: KneeRow[] = [];
  const gens = new GenPool(path.join(HERE, 'gen-worker.js'), KNEE_GENERATORS);
  try {
    for (const redisKind of ['1 Redis', '3-master Redis Cluster'] as const) {
      for (const instances of [2, 4]) {
        rows.push(await kneeOf(gens, redisKind, instances, rates));
      }
    }
  } finally {
    await gens.stop();
  }
  return rows;
}

async function kneeOf(
  gens: GenPool,
  redisKind: '1 Redis' | '3-master Redis Cluster',
  instances: number,
  rates: number[],
): Promise<KneeRow> {
  let store: TestRedisCluster | undefined;
  let r: Running | undefined;
  const row: KneeRow = { redis: redisKind, instances, steps: [], knee: 0 };
  const step = async (rate: number): Promise<boolean> => {
    const s = await kneeStep(gens, rate);
    row.steps.push(s);
    log(
      `knee ${redisKind} x${instances} @${rate}/s (sent ${s.sentPerSec}/s): p99 ${s.p99} ms, ${s.deliveredPct}%${s.failedSends ? `, sends not stored: ${JSON.stringify(s.failedSends)}` : ''}`,
    );
    // A step that failed is the knee's bound, whatever the generators sent: on one machine
    // the servers starve them too once they saturate it.
    if (!passes(s)) return false;
    // A step that passed but was not sent at its rate says nothing of the servers.
    if ((s.sentPerSec ?? 0) < 0.9 * rate) {
      row.generatorLimit = s.sentPerSec;
      return false;
    }
    row.knee = Math.max(row.knee, rate);
    return true;
  };
  try {
    let env: Record<string, string>;
    if (redisKind === '1 Redis') {
      env = { REDIS_URL: await startRedis() };
    } else {
      store = await TestRedisCluster.start();
      env = store.env();
    }
    r = await startOurs(instances, env);
    const n = ROOMS * MEMBERS;
    const toks = await tokens(r.urls[0]!, n, `ltknee${instances}${store ? 'c' : 's'}`);
    // Member i is in room i % ROOMS, on instance (i % ROOMS) % instances (every room on one
    // instance), in generator floor(i / ROOMS) % generators (every room's members in both).
    const urls = r.urls;
    const clients = toks.map((token, i) => ({
      token,
      room: `r${i % ROOMS}`,
      url: urls[(i % ROOMS) % urls.length]!,
      gen: Math.floor(i / ROOMS) % gens.size,
    }));
    const connected = await gens.all((g) => ({
      type: 'connect',
      kind: 'ours',
      urls,
      clients: clients
        .filter((c) => c.gen === g)
        .map(({ token, room, url }) => ({ token, room, url })),
      concurrency: 20,
      client: 'wire',
      tries: 3,
    }));
    const missing = connected.reduce((m, d) => m + (d.failed ?? 0) + (d.skipped ?? 0), 0);
    if (missing > 0) throw new Error(`${missing} of ${n} members did not connect`);
    const joined = await gens.all(() => ({ type: 'join', kind: 'ours', timeoutMs: 60_000 }));
    const notJoined = joined.reduce((m, d) => m + (d.joinFailed ?? 0), 0);
    if (notJoined > 0) throw new Error(`${notJoined} of ${n} members did not join`);
    // A step's worth at the first rate, not counted: the compiler and the heaps settle.
    await kneeStep(gens, rates[0]!);
    let failedAt: number | undefined;
    for (const rate of rates) {
      if (!(await step(rate))) {
        failedAt = rate;
        break;
      }
    }
    // Between the last step that passed and the first that failed (not for a generator limit).
    if (failedAt !== undefined && row.generatorLimit === undefined && row.knee > 0) {
      let lo = row.knee;
      let hi = failedAt;
      for (let k = 0; k < 2; k++) {
        const mid = Math.round((lo + hi) / 2);
        if (await step(mid)) lo = mid;
        else if (row.generatorLimit !== undefined) break;
        else hi = mid;
      }
    }
  } catch (err) {
    // One configuration failing (say, a Redis Cluster slow to form on a busy machine)
    // is recorded in its row; the others still run.
    row.error = err instanceof Error ? err.message : String(err);
    log(`knee ${redisKind} x${instances}: ${row.error}`);
  } finally {
    await gens.all(() => ({ type: 'close', kind: 'ours' })).catch(() => undefined);
    if (r) await stop(r);
    await store?.stop().catch(() => undefined);
  }
  return row;
}

/** The knee as a reader should take it: not reached when no step above it failed. */
function kneeLabel(k: KneeRow): string {
  if (k.error) return `not measured: ${k.error}`;
  if (k.generatorLimit !== undefined) {
    return `>= ${k.knee} (not reached: the generators sent at most ${k.generatorLimit}/s)`;
  }
  if (k.knee === 0) return 'below the first step';
  return kneeReached(k) ? String(k.knee) : `>= ${k.knee} (not reached)`;
}

/** What the scale section measured, for bench/out/results.json. */
export interface ScaleResult {
  received: ReceivedRow[];
  knee: KneeRow[];
  /** The section as Markdown, for bench/RESULTS.md. */
  markdown: string;
}

export async function runScale(quick?: boolean): Promise<ScaleResult> {
  if (quick !== undefined) QUICK = quick;
  const t0 = Date.now();
  const load0 = os.loadavg()[0]!.toFixed(1);
  const received = await receivedSection();
  const knee = await kneeSection();
  const secs = Math.round((Date.now() - t0) / 1000);
  const md: string[] = [
    '<!-- scale:start -->',
    '## Scale: what more instances and more Redis masters change',
    '',
    `Run ${new Date().toISOString().slice(0, 10)}, ${secs} s, load average ${load0} at start, ${os.availableParallelism()} cores. \`npm run bench:scale\` repeats it.`,
    '',
    `### Fan-out each instance receives (4 instances, ${ROOMS} rooms of ${MEMBERS}, every room's members on one instance; in ours' 'on 2 instances' windows on two)`,
    '',
    '| System | Input msgs/s | Received from Redis per instance (msgs/s) |',
    '| --- | --- | --- |',
    ...received.map(
      (r) => `| ${r.system} | ${r.inputPerSec} | ${r.perInstancePerSec.join(' / ')} |`,
    ),
    `| this project before (one fan-out channel) | ${received.at(-1)?.inputPerSec ?? 0} | every message on every instance (by construction): ${received.at(-1)?.inputPerSec ?? 0} each |`,
    '',
    "With a channel per room an instance receives only its rooms' messages: a quarter of the input",
    'each here; adding instances divides it further. The classic adapter and the old single channel',
    "hand every instance the whole cluster's rate, so instances add no fan-out capacity.",
    'With every room on two instances each instance hears half the input: each message twice in all.',
    "Ours' two layouts share one cluster, both sets of members connected, in alternating windows:",
    "the instances' CPU per message of the two, summed by layout, prices what an instance spends on",
    "a message it only hears (the capacity model's `usPerMessageHeard`, bench/costs.ts).",
    '',
    `### Fan-out knee (${ROOMS} rooms of ${MEMBERS}; highest input rate with p99 < ${KNEE_P99_MS} ms and >= ${KNEE_DELIVERED_PCT} % delivered, sent at 90 % of its target or more; a step's rate is its target, with what the generators sent when less; steps in the order run: the climb, then two halvings between the last that passed and the first that failed)`,
    '',
    '| Redis | Instances | Steps (input/s: p99 ms, delivered %) | Knee (msgs/s in) |',
    '| --- | --- | --- | --- |',
    ...knee.map(
      (k) =>
        `| ${k.redis} | ${k.instances} | ${k.steps.map((s) => `${s.rate}${s.sentPerSec !== undefined && s.sentPerSec < 0.99 * s.rate ? ` (sent ${s.sentPerSec})` : ''}: ${s.p99}, ${s.deliveredPct}`).join('; ')} | ${kneeLabel(k)} |`,
    ),
    '',
    `The members are driven by ${KNEE_GENERATORS} generator processes (the load tester's wire client, each`,
    "room's members in both), sending on schedule whatever the servers answer. What 2 cores can and",
    'cannot show: the generators, every instance and every Redis node share two cores, so more',
    'instances or masters add processes',
    'competing for the same CPU, not capacity. The knee here is set by the machine; the figure that',
    'carries to a real deployment is the per-instance received rate above (it is what lets each',
    "added machine take its share), and that every Redis master serves only its rooms' slots.",
    '<!-- scale:end -->',
  ];
  return { received, knee, markdown: md.join('\n') };
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]);
if (isMain) {
  const hard = setTimeout(() => {
    log('hard limit of 15 minutes reached; stopping');
    killAll();
    process.exit(1);
  }, 900_000);
  runScale()
    .then(async ({ markdown }) => {
      const { writeScale } = await import('./results-scale.js');
      await writeScale(markdown, QUICK);
      clearTimeout(hard);
      killAll();
      process.exit(0);
    })
    .catch((err: unknown) => {
      log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
      killAll();
      process.exit(1);
    });
}
