/**
 * `npm run bench`: ours against a plain Socket.IO + Redis adapter baseline on this machine,
 * then ours alone at 100k connections, the load generators side by side, and the scale
 * section. Writes bench/RESULTS.md (a full run) and bench/out/results.json.
 *
 *   npm run bench                          the full run (about 31 minutes on 2 cores)
 *   npm run bench -- --quick               a small run to check the bench works (figures mean nothing)
 *   npm run bench -- --section idle,rss    only some sections: rss idle fanout generators 100k scale
 *   npm run bench -- --profile 100k        only the 100k connections section (--count N to change N)
 *   npm run bench -- --section herd        only the herd after a crash (--count N users, 30k by default)
 *   npm run bench -- --section storm       only the footprint left by a login storm (about 3 minutes)
 *   npm run bench -- --cpu-prof            CPU profiles of every server process in bench/out/prof
 *   BENCH_INSTANCE_ARGS='--trace-gc' ...   Node flags for every instance of ours (their output
 *                                          goes to their logs in bench/out/logs)
 *   BENCH_LOG_LEVEL=info ...               the instances' log level (warn); their lines go to stderr
 *
 * A run that is not the full one writes bench/out/RESULTS-partial.md instead. Every phase has
 * a deadline and the whole run a hard limit; only loopback addresses are used.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import {
  ROOT,
  ensureTokens,
  startOurs,
  startPlain,
  stopCluster,
  type Cluster,
  type StartOptions,
} from './cluster.js';
import { runFanout } from './fanout.js';
import { runGenerators } from './generators.js';
import { runIdle } from './idle.js';
import { run100k } from './p100k.js';
import { runHerd } from './herd.js';
import { runStorm } from './storm.js';
import { closeWindow, openWindow, sumPids } from './cpu.js';
import { GenPool, killAll, rssBytes, sleep } from './procs.js';
import type { Kind } from './protocols.js';
import { writeCosts } from './costs.js';
import { deltaOf, RedisProbe } from './redis-stats.js';
import { renderResults, type Results } from './results.js';
import { runScale } from './scale.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECTIONS = ['rss', 'idle', 'fanout', 'generators', '100k', 'scale', 'herd', 'storm'] as const;
type Section = (typeof SECTIONS)[number];
const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

function options(): { quick: boolean; sections: Set<Section>; count?: number; cpuProf: boolean } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
      section: { type: 'string' },
      profile: { type: 'string' },
      count: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: process.env.BENCH_PROFILE === '1' },
    },
  });
  let sections = new Set<Section>(SECTIONS);
  if (values.profile !== undefined) {
    if (values.profile !== '100k') throw new Error(`unknown profile ${values.profile} (try 100k)`);
    sections = new Set(['100k']);
  }
  if (values.section !== undefined) {
    const asked = values.section.split(',').map((s) => s.trim());
    const bad = asked.filter((s) => !(SECTIONS as readonly string[]).includes(s));
    if (bad.length > 0)
      throw new Error(`unknown section ${bad.join(', ')} (${SECTIONS.join(' ')})`);
    sections = new Set(asked as Section[]);
  }
  let count: number | undefined;
  if (values.count !== undefined) {
    count = Number(values.count);
    if (!Number.isInteger(count) || count < 1 || count > 200_000) {
      throw new Error(`--count must be a whole number from 1 to 200000`);
    }
  }
  return { quick: values.quick, sections, count, cpuProf: values['cpu-prof'] };
}

const load = (): number[] => os.loadavg().map((l) => Math.round(l * 100) / 100);

/** The commit measured (and whether the tree had changes), for the results' header. */
function commit(): string {
  const git = (args: string[]): string =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const head = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  return git(['status', '--porcelain', '--', 'src', 'bench']) ? `${head} (with changes)` : head;
}

async function main(): Promise<void> {
  const o = options();
  const full = !o.quick && o.sections.size === SECTIONS.length;
  const started = Date.now();
  // The herd section adds about 4 minutes to a full run, the storm section about 3, the scale
  // section's knee climbs (four, each to its knee) about 6.
  const limitMin = o.quick ? 16 : 50;
  mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
  const r: Results = {
    date: new Date().toISOString(),
    commit: commit(),
    machine: `${os.cpus()[0]?.model ?? 'cpu'} x ${os.availableParallelism()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
    quick: o.quick,
    sections: [...o.sections],
    seconds: 0,
    loadStart: load(),
    loadEnd: [],
    errors: {},
  };
  let scale = '';
  /** Writes what the run has so far: at its end, or when the hard limit stops it. */
  const finish = async (): Promise<void> => {
    r.loadEnd = load();
    r.seconds = Math.round((Date.now() - started) / 1000);
    writeFileSync(
      path.join(ROOT, full ? 'bench/out/results.json' : 'bench/out/results-partial.json'),
      JSON.stringify(r, null, 2),
    );
    // Formatted as the repository formats Markdown, so the committed file passes the lint.
    const mdPath = path.join(ROOT, full ? 'bench/RESULTS.md' : 'bench/out/RESULTS-partial.md');
    const md = await prettier.format(`${renderResults(r)}\n${scale}\n`, {
      ...(await prettier.resolveConfig(mdPath)),
      filepath: mdPath,
    });
    writeFileSync(mdPath, md);
    process.stdout.write(md);
    log(`wrote ${path.relative(ROOT, mdPath)} after ${r.seconds} s`);
  };
  const hard = setTimeout(() => {
    log(`hard limit of ${limitMin} minutes reached; stopping`);
    r.errors.run = `stopped by the hard limit of ${limitMin} minutes`;
    killAll();
    void finish().finally(() => process.exit(1));
  }, limitMin * 60_000);
  process.on('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  /** Runs one section; a failure is recorded in the results and the run goes on. */
  const section = async (name: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      r.errors[name] = err instanceof Error ? err.message : String(err);
      log(`section ${name} failed: ${err instanceof Error ? err.stack : String(err)}`);
    }
  };
  const pairSections = ['rss', 'idle', 'fanout', 'generators'] as const;
  if (pairSections.some((s) => o.sections.has(s))) {
    const so: StartOptions = {
      instances: 2,
      ...(o.cpuProf
        ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench/out/prof')}`] }
        : {}),
    };
    const plain = await startPlain(so);
    const ours = await startOurs(so);
    const cs: Cluster[] = [plain, ours];
    log(`servers up: plain ${plain.urls.join(' ')}, ours ${ours.urls.join(' ')}`);
    // RSS at start: both idle, before any client (ours has no admin connection yet).
    await sleep(3000);
    const rssStart = new Map<Kind, number[]>(cs.map((c) => [c.kind, c.pids.map(rssBytes)]));
    r.rssStart = { plain: rssStart.get('plain')!, ours: rssStart.get('ours')! };
    log(`RSS at start: ${JSON.stringify(r.rssStart)}`);
    if (o.sections.has('idle')) {
      // What ours' instances cost Redis with no client at all (each one's presence beat and
      // status write, every second): the per-instance Redis term of the capacity model, apart
      // from the per (room, instance) one in the idle tiers' intercept (bench/costs.ts).
      const probe = new RedisProbe(ours.redisUrl);
      const before = await probe.read();
      const w = openWindow([ours.redisPid]);
      await sleep(o.quick ? 3000 : 15_000);
      const cpu = closeWindow(w);
      r.redisBare = {
        instances: ours.pids.length,
        redisCpuSeconds: sumPids(cpu, [ours.redisPid]),
        ...deltaOf(before, await probe.read()),
      };
      probe.close();
      log(`ours' Redis with no client: ${JSON.stringify(r.redisBare)}`);
    }
    const gens = new GenPool(path.join(HERE, 'gen-worker.js'), 4);
    try {
      if (o.sections.has('idle') || o.sections.has('fanout')) {
        const n = o.quick ? 2000 : 20_000;
        const probe = new RedisProbe(ours.redisUrl);
        const before = await probe.read();
        r.tokensSeconds = Math.round((await ensureTokens(ours, n)) * 10) / 10;
        // What an account with one session holds in Redis (the capacity model's sessionBytes).
        r.sessionsRedis = { sessions: n, ...deltaOf(before, await probe.read()) };
        probe.close();
        log(`${n} sessions made in ${r.tokensSeconds} s`);
      }
      if (o.sections.has('idle')) {
        // What the idle tiers' memory grows from: both systems idle, once ours' sessions
        // exist. The bench makes them through ours' admin bulk path, on one instance, which
        // grows it by some 30-50 MiB (a setup step the plain server has no counterpart of, and
        // the login storm's footprint is measured by the storm section); it is reported apart.
        await sleep(3000);
        const rssBase = new Map<Kind, number[]>(cs.map((c) => [c.kind, c.pids.map(rssBytes)]));
        r.rssBase = { plain: rssBase.get('plain')!, ours: rssBase.get('ours')! };
        log(`RSS once the sessions exist: ${JSON.stringify(r.rssBase)}`);
        const sum = new Map<Kind, number>(
          [...rssBase].map(([k, v]) => [k, v.reduce((s, x) => s + x, 0)]),
        );
        await section('idle', async () => {
          r.idle = await runIdle(cs, gens, sum, o);
        });
      }
      if (o.sections.has('fanout')) {
        await section('fanout', async () => {
          r.fanout = await runFanout(cs, gens, o);
        });
      }
      await gens.stop();
      if (o.sections.has('generators')) {
        // The generators compared need the machine: the baseline goes first.
        await stopCluster(plain);
        await section('generators', async () => {
          r.generators = await runGenerators(ours, o);
        });
      }
    } finally {
      await gens.stop();
      for (const c of cs) await stopCluster(c, o.cpuProf ? 'SIGTERM' : 'SIGKILL');
    }
  }
  if (o.sections.has('100k')) {
    await section('100k', async () => {
      r.hundredK = await run100k({ quick: o.quick, count: o.count, cpuProf: o.cpuProf });
    });
  }
  // The scale section: more instances and more Redis masters (bench/scale.ts).
  if (o.sections.has('scale')) {
    await section('scale', async () => {
      const res = await runScale(o.quick);
      scale = res.markdown;
      r.scale = { received: res.received, knee: res.knee };
    });
  }
  // The herd after a crash: 3 instances of ours, one SIGKILLed (bench/herd.ts).
  if (o.sections.has('herd')) {
    await section('herd', async () => {
      r.herd = await runHerd({
        quick: o.quick,
        ...(o.count !== undefined ? { count: o.count } : {}),
        ...(o.cpuProf
          ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench/out/prof')}`] }
          : {}),
      });
    });
  }
  // The footprint a login storm leaves: each system fresh, 2 instances (bench/storm.ts).
  if (o.sections.has('storm')) {
    await section('storm', async () => {
      r.storm = await runStorm({ quick: o.quick });
    });
  }
  clearTimeout(hard);
  killAll();
  await finish();
  // The capacity model's costs (src/admin/capacity/measured.ts) from a full run's figures.
  if (full) {
    await section('costs', async () => {
      await writeCosts(r);
    });
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
  killAll();
  process.exit(1);
});
