/**
 * What a delivered message costs the server at a low rate, ours against the plain baseline,
 * and where ours' time goes: one instance of each on a Redis of its own (one system at a
 * time), `--clients` clients of the bench's generators in rooms of 100, settled (12 s after
 * the joins), held idle for `--seconds` (the instance's CPU then is reported), then `--rate` messages a second for `--seconds`: the
 * instance's CPU per delivery (utime + stime from /proc over the window after a 2 s warm-up),
 * the delivery latency and the generators' CPU. With `--profile DIR` each system runs again under the
 * inspector's CPU and allocation profilers over the same window (a second run each), and the
 * functions with the most self time and allocations are listed.
 *
 * Usage: tsc -p bench/tsconfig.json && node bench/out/build/bench/fanout-probe.js
 *          [--clients 500] [--rate 50] [--seconds 10] [--systems ours,plain] [--profile DIR]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTokens, startOurs, startPlain, stopCluster, type Cluster } from './cluster.js';
import { closeWindow, openWindow, sumPids, threadDelta, threadSeconds } from './cpu.js';
import { merge, percentiles } from '../src/admin/loadtest/histogram.js';
import { Inspector, saveProfile, topAlloc, topSelf } from './inspector.js';
import { freePort, GenPool, killAll, sleep } from './procs.js';
import type { Kind } from './protocols.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '500' },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    systems: { type: 'string', default: 'ours,plain' },
    profile: { type: 'string' },
  },
});
const CLIENTS = Number(args.clients);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const ROOM_SIZE = 100;
const WARMUP_MS = 2000;

const log = (s: string): void => void process.stderr.write(`fanout-probe: ${s}\n`);

async function run(kind: Kind, gens: GenPool, inspect?: number): Promise<void> {
  const so = { instances: 1, ...(inspect ? { nodeArgs: [`--inspect=127.0.0.1:${inspect}`] } : {}) };
  const c: Cluster = kind === 'ours' ? await startOurs(so) : await startPlain(so);
  try {
    await ensureTokens(c, CLIENTS);
    c.admin?.close();
    await gens.all((g) => {
      const clients: { token?: string; room: string }[] = [];
      for (let i = g; i < CLIENTS; i += gens.size) {
        const tk = c.tokens[i];
        clients.push({ ...(tk ? { token: tk } : {}), room: `probe-${i % (CLIENTS / ROOM_SIZE)}` });
      }
      return { type: 'connect', kind, urls: c.urls, clients, concurrency: 50 };
    }, 120_000);
    await gens.all(() => ({ type: 'join', kind, timeoutMs: 60_000 }), 70_000);
    await sleep(12_000);
    // The same clients, idle, over a window as long as the send's: what the instance does
    // anyway (its beats, pings, presence renewals) and the send window's figure includes.
    const inspector = inspect ? await Inspector.attach(inspect) : undefined;
    await inspector?.start();
    const i0 = threadSeconds(c.pids[0]!);
    const iw = openWindow([...c.pids]);
    await sleep(SECONDS * 1000);
    const idle = sumPids(closeWindow(iw), c.pids);
    const i1 = threadSeconds(c.pids[0]!);
    if (inspector && args.profile) {
      const idleProfile = await inspector.stop(false);
      const file = saveProfile(args.profile, `idle-${kind}`, idleProfile);
      log(`idle profile: ${file}; self time, top 30:\n${topSelf(idleProfile, 30).join('\n')}`);
    }
    const idleByThread = threadDelta(i0, i1, 100 / SECONDS, 1);
    log(
      `${kind} idle with ${CLIENTS} clients: ${((idle / SECONDS) * 100).toFixed(1)} % of a core ` +
        `(by thread, %: ${JSON.stringify(idleByThread)})`,
    );
    const at = Date.now() + 300;
    const ms = SECONDS * 1000 + WARMUP_MS;
    const answers = gens.all(
      () => ({
        type: 'send',
        kind,
        at,
        rate: RATE / gens.size,
        ms,
        warmupMs: WARMUP_MS,
        settleMs: 1500,
      }),
      ms + 30_000,
    );
    await sleep(Math.max(0, at + WARMUP_MS - Date.now()));
    await inspector?.start();
    const w = openWindow([...c.pids, c.redisPid, ...gens.pids]);
    const threads0 = threadSeconds(c.pids[0]!);
    await sleep(Math.max(0, at + ms - Date.now()) + 100);
    const cpu = closeWindow(w);
    const threads1 = threadSeconds(c.pids[0]!);
    const profile = inspector ? await inspector.stop() : undefined;
    const res = await answers;
    const delivered = res.reduce((s, r) => s + (r.received ?? 0), 0);
    const sent = res.reduce((s, r) => s + (r.sent ?? 0), 0);
    const p = percentiles(merge(res.flatMap((r) => (r.hist ? [r.hist] : []))));
    const server = sumPids(cpu, c.pids);
    const byThread = threadDelta(threads0, threads1, 1e6 / sent);
    log(
      `${kind}${inspect ? ' under the profiler' : ''}: ${sent} sent, ${delivered} delivered in ${SECONDS} s; ` +
        `server ${((server / delivered) * 1e6).toFixed(1)} µs per delivery (${((server / sent) * 1e6).toFixed(0)} µs per message, ` +
        `${(server / cpu.seconds).toFixed(2)} cores; µs per message by thread ${JSON.stringify(byThread)}), Redis ${((sumPids(cpu, [c.redisPid]) / delivered) * 1e6).toFixed(2)} µs, ` +
        `generators ${(sumPids(cpu, gens.pids) / cpu.seconds).toFixed(2)} cores; p50 ${p.p50} ms, p99 ${p.p99} ms; ` +
        `load ${cpu.loadStart} -> ${cpu.loadEnd}, outside ${Math.round(cpu.outsideCores * 100)} %`,
    );
    if (inspector && profile && args.profile) {
      const file = saveProfile(args.profile, `fanout-${kind}`, profile);
      log(`profile: ${file}; self time, top 40:\n${topSelf(profile, 40).join('\n')}`);
      log(`allocations:\n${topAlloc(inspector.heap!, sent, 30, 'message').join('\n')}`);
    }
    await gens.all(() => ({ type: 'close', kind }));
  } finally {
    await stopCluster(c);
  }
}

const gens = new GenPool(path.join(HERE, 'gen-worker.js'), 2);
try {
  const systems = args.systems.split(',') as Kind[];
  for (const kind of systems) await run(kind, gens);
  if (args.profile) for (const kind of systems) await run(kind, gens, await freePort());
} finally {
  await gens.stop();
  killAll();
}
