/**
 * Where an instance's memory per idle connection goes, ours against the plain baseline: one
 * instance of each on a Redis of its own (one system at a time), `--n` logged-in clients from
 * the bench's generators joined to `--rooms` rooms, then, after the bench's 10 s settle and
 * again after `--hold` seconds, the instance's RSS split the kernel's way (anonymous memory
 * against mapped files, from /proc) and, for ours, V8's own account from its /metrics (each
 * heap space's used and committed bytes, external memory). What RSS holds beyond V8's
 * committed heap is native: malloc's arenas (sockets' buffers, zlib, OpenSSL, scrypt).
 * Over the hold it reports the instance's and Redis's CPU too (per connection-second): run
 * it at two `--n` and two `--rooms` to tell a cost per connection from one per room.
 *
 * It reports the instance's CPU per join too (the joins and the 10 s settle after them); with
 * `--profile DIR` the instance runs under the inspector's CPU and allocation profilers over that
 * phase (`--profile-phase hold`: over the idle hold instead).
 *
 * Usage: tsc -p bench/tsconfig.json && node bench/out/build/bench/memory-probe.js
 *          [--n 10000] [--rooms 100] [--hold 30] [--systems ours,plain] [--profile DIR]
 *          [--profile-phase join|hold] [--after-close 0]
 *
 * Throughout, `/healthz` is asked every 100 ms and the longest wait for its answer is
 * reported by phase (connects, joins, hold, closes; see StallWatch).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTokens, startOurs, startPlain, stopCluster, type Cluster } from './cluster.js';
import { cpuSeconds } from './cpu.js';
import { Inspector, saveProfile, topAlloc, topSelf, topTotal } from './inspector.js';
import { GenPool, freePort, killAll, sleep } from './procs.js';
import { commandsDelta, RedisProbe } from './redis-stats.js';
import type { Kind } from './protocols.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    rooms: { type: 'string', default: '100' },
    hold: { type: 'string', default: '30' },
    systems: { type: 'string', default: 'ours,plain' },
    profile: { type: 'string' },
    /** What `--profile` covers: the joins and the settle after them, or the idle hold. */
    'profile-phase': { type: 'string', default: 'join' },
    /** Seconds to keep watching the instance after every client closed (a mass disconnect). */
    'after-close': { type: 'string', default: '0' },
  },
});
const N = Number(args.n);
const ROOMS = Number(args.rooms);
const HOLD_S = Number(args.hold);
const AFTER_CLOSE_S = Number(args['after-close']);
const PROFILE_PHASE = args['profile-phase'];
if (PROFILE_PHASE !== 'join' && PROFILE_PHASE !== 'hold')
  throw new Error('--profile-phase is join or hold');
const SYSTEMS = args.systems.split(',') as Kind[];

const log = (s: string): void => void process.stderr.write(`memory-probe: ${s}\n`);
const MiB = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
const KiB = (b: number): string => `${(b / 1024).toFixed(2)} KiB`;

/** RssAnon and RssFile of a process, in bytes (/proc/<pid>/status). */
function rssOf(pid: number): { anon: number; file: number; total: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem'), total: kb('VmRSS') };
}

/** V8's account of an instance of ours, from its Prometheus metrics. */
async function heapOf(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    // Every series carries the instance's default labels; the heap spaces a `space` one too.
    const m = /^nodejs_(\w+)\{([^}]*)\} (\d+)/.exec(line);
    if (!m) continue;
    const space = /space="(\w+)"/.exec(m[2]!)?.[1];
    if (space && m[1]!.startsWith('heap_space_size_')) {
      out[`${space}.${m[1]!.includes('used') ? 'used' : 'total'}`] = Number(m[3]);
    } else if (!space) out[m[1]!] = Number(m[3]);
  }
  return out;
}

async function sample(c: Cluster, label: string, base: number): Promise<void> {
  const pid = c.pids[0]!;
  const r = rssOf(pid);
  log(
    `${c.kind} ${label}: RSS ${MiB(r.total)} (anon ${MiB(r.anon)}, files ${MiB(r.file)}), ` +
      `growth over start ${KiB((r.total - base) / N)} per connection`,
  );
  if (c.kind !== 'ours') return;
  const h = await heapOf(c.urls[0]!);
  const spaces = Object.keys(h)
    .filter((k) => k.endsWith('.total') && h[k]! > 0)
    .map((k) => k.slice(0, -'.total'.length))
    .map((s) => `${s} ${MiB(h[`${s}.used`] ?? 0)}/${MiB(h[`${s}.total`]!)}`);
  const committed = h.heap_size_total_bytes ?? 0;
  log(
    `  V8 heap used ${MiB(h.heap_size_used_bytes ?? 0)} of ${MiB(committed)} committed, ` +
      `external ${MiB(h.external_memory_bytes ?? 0)}; RSS beyond the committed heap ${MiB(r.total - committed)}`,
  );
  log(`  spaces (used/committed): ${spaces.join(', ')}`);
}

/**
 * How long the instance left a health check unanswered, at most, by phase (a full collection
 * holds every check back). A flood of I/O is different: libuv reads ready events in batches
 * within one turn, so a check that arrives in a turn of 10,000 closes is answered in a later
 * batch of it, while the instance's timers (its heartbeat) wait for the whole turn
 * (bench/ANALYSIS.md, section r). A check's wait is a floor under the loop's stall.
 */
class StallWatch {
  private phase = 'start';
  private readonly worst = new Map<string, number>();
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(url: string) {
    this.done = (async () => {
      while (!this.stopped) {
        const phase = this.phase;
        const t = performance.now();
        await fetch(`${url}/healthz`).then(
          (r) => r.arrayBuffer(),
          () => undefined,
        );
        const ms = performance.now() - t;
        this.worst.set(phase, Math.max(this.worst.get(phase) ?? 0, ms));
        await sleep(100);
      }
    })();
  }

  enter(phase: string): void {
    this.phase = phase;
  }

  async stop(): Promise<string> {
    this.stopped = true;
    await this.done;
    return [...this.worst].map(([p, ms]) => `${p} ${Math.round(ms)} ms`).join(', ');
  }
}

async function probe(kind: Kind, gens: GenPool): Promise<void> {
  const inspect = args.profile ? await freePort() : undefined;
  const so = { instances: 1, ...(inspect ? { nodeArgs: [`--inspect=127.0.0.1:${inspect}`] } : {}) };
  const c = kind === 'ours' ? await startOurs(so) : await startPlain(so);
  let watch: StallWatch | undefined;
  try {
    await sleep(2000);
    const bare = rssOf(c.pids[0]!).total;
    await sample(c, 'at start', bare);
    if (kind === 'ours') {
      // The bench makes its sessions through the admin bulk path, on the first instance.
      await ensureTokens(c, N);
      await sleep(2000);
      await sample(c, `after making ${N} sessions`, bare);
    }
    const base = rssOf(c.pids[0]!).total;
    watch = new StallWatch(c.urls[0]!);
    watch.enter('connects');
    const res = await gens.all((g) => {
      const clients: { token?: string; room: string }[] = [];
      for (let i = g; i < N; i += gens.size) {
        const tk = c.tokens[i];
        clients.push({ ...(tk ? { token: tk } : {}), room: `idle-${i % ROOMS}` });
      }
      return { type: 'connect', kind, urls: c.urls, clients, concurrency: 50 };
    }, 300_000);
    const failed = res.reduce((s, r) => s + (r.failed ?? 0), 0);
    const inspector =
      inspect && PROFILE_PHASE === 'join' ? await Inspector.attach(inspect) : undefined;
    await inspector?.start();
    watch.enter('joins and 10 s after');
    const joinFrom = { at: Date.now(), inst: cpuSeconds(c.pids[0]!) };
    await gens.all(() => ({ type: 'join', kind, timeoutMs: 150_000 }), 160_000);
    const joinedIn = Date.now() - joinFrom.at;
    await sleep(10_000);
    const joinCpu = cpuSeconds(c.pids[0]!) - joinFrom.inst;
    log(
      `${kind}: ${N - failed} connected and joined in ${joinedIn} ms; instance CPU over the joins ` +
        `and 10 s after ${joinCpu.toFixed(2)} s, ${((1e6 * joinCpu) / (N - failed)).toFixed(0)} µs per join`,
    );
    if (inspector) await reportProfile(inspector, 'join', kind, N - failed, 'join');
    await sample(c, 'settled (10 s after the joins)', base);
    // CPU over the hold: the instance's and Redis's, per connection-second (the capacity
    // model's idle slope) and per (room, instance) pair-second at this layout.
    const holdInspector =
      inspect && PROFILE_PHASE === 'hold' ? await Inspector.attach(inspect) : undefined;
    await holdInspector?.start();
    watch.enter('hold');
    const probe = new RedisProbe(c.redisUrl);
    const commandsBefore = await probe.commands();
    const before = { at: Date.now(), inst: cpuSeconds(c.pids[0]!), redis: cpuSeconds(c.redisPid) };
    await sleep(HOLD_S * 1000);
    // What Redis ran over the hold, by command (µs of its CPU a second, calls a second).
    const spent = commandsDelta(commandsBefore, await probe.commands());
    probe.close();
    const secs = (Date.now() - before.at) / 1000;
    const inst = cpuSeconds(c.pids[0]!) - before.inst;
    const redis = cpuSeconds(c.redisPid) - before.redis;
    const held = N - failed;
    if (holdInspector) await reportProfile(holdInspector, 'hold', kind, held, 'held connection');
    log(
      `${kind} idle over ${secs.toFixed(0)} s: instance ${((100 * inst) / secs).toFixed(1)} % of a core ` +
        `(${((1e6 * inst) / secs / held).toFixed(2)} µs per connection-second), Redis ` +
        `${((100 * redis) / secs).toFixed(1)} % (${ROOMS} rooms on 1 instance)`,
    );
    const perSec = (x: number): string => (x / secs).toFixed(1);
    log(
      `${kind} Redis over the hold, by command (µs a second / calls a second): ` +
        (spent
          .slice(0, 10)
          .map((x) => `${x.command} ${perSec(x.usec)} / ${perSec(x.calls)}`)
          .join(', ') || 'none'),
    );
    await sample(c, `held ${HOLD_S} s more`, base);
    watch.enter('closes and after');
    // The monotonic clock, as a CPU profile's timestamps read it (BENCH_INSTANCE_ARGS='--cpu-prof').
    log(`${kind}: closing every client (monotonic ${process.hrtime.bigint() / 1000n} µs)`);
    await gens.all(() => ({ type: 'close', kind }));
    await sleep(AFTER_CLOSE_S * 1000);
    if (AFTER_CLOSE_S > 0) await sample(c, `${AFTER_CLOSE_S} s after every client closed`, base);
    log(`${kind}: /healthz unanswered at most: ${await watch.stop()}`);
  } finally {
    await watch?.stop();
    // SIGTERM lets an instance under `--cpu-prof` write its profile.
    await stopCluster(
      c,
      process.env.BENCH_INSTANCE_ARGS?.includes('--cpu-prof') ? 'SIGTERM' : 'SIGKILL',
    );
  }
}

/** Stops the profilers of one phase, writes the CPU profile and lists its top functions. */
async function reportProfile(
  inspector: Inspector,
  phase: string,
  kind: Kind,
  n: number,
  unit: string,
): Promise<void> {
  const profile = await inspector.stop();
  const file = saveProfile(args.profile!, `${phase}-${kind}`, profile);
  log(`${phase} profile: ${file}; self time, top 30:\n${topSelf(profile, 30).join('\n')}`);
  log(`total time, top 60:\n${topTotal(profile, 60).join('\n')}`);
  log(`allocations:\n${topAlloc(inspector.heap!, n, 30, unit).join('\n')}`);
}

const gens = new GenPool(path.join(HERE, 'gen-worker.js'), 2);
try {
  for (const kind of SYSTEMS) await probe(kind, gens);
} finally {
  await gens.stop();
  killAll();
}
