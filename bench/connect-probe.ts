/**
 * What one connect costs the server, ours (a fresh session token each) against the plain
 * baseline: one instance of each on a Redis of its own, `--n` WebSocket clients opened at
 * `--concurrency` in flight (after a warm-up of `--warmup`), and over that connect phase the
 * instance's CPU (utime + stime from /proc) and the Redis commands run (INFO commandstats),
 * each divided by the connects. With `--profile DIR` ours runs again under the inspector's
 * CPU profiler for the connect phase only, and the functions with the most self time are
 * listed (the profile is written to DIR). `--cached` connects the measured tokens once before,
 * so that ours answers them from its session cache: the difference is what the Redis read
 * costs a connect.
 *
 * Usage: tsc -p bench/tsconfig.json && node bench/out/build/bench/connect-probe.js
 *          [--n 3000] [--concurrency 100] [--warmup 300] [--rounds 2] [--profile DIR]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { WireSocket } from '../src/admin/loadtest/wire.js';
import { ensureTokens, startOurs, startPlain, stopCluster, type Cluster } from './cluster.js';
import { cpuSeconds, threadDelta, threadSeconds } from './cpu.js';
import { freePort, runProbe, sleep } from './procs.js';
import { deltaOf, RedisProbe } from './redis-stats.js';
import { Inspector, saveProfile, topAlloc, topSelf } from './inspector.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '2' },
    profile: { type: 'string' },
    /** Ours: connect the measured tokens once before (each instance then has them cached). */
    cached: { type: 'boolean', default: false },
  },
});
const N = Number(args.n);
const CONCURRENCY = Number(args.concurrency);
const WARMUP = Number(args.warmup);
const ROUNDS = Number(args.rounds);

const log = (s: string): void => void process.stderr.write(`connect-probe: ${s}\n`);

/** Opens `tokens.length` sockets, `concurrency` in flight; resolves with the open ones. */
async function connectAll(url: string, tokens: string[], concurrency: number) {
  const open: WireSocket[] = [];
  let next = 0;
  let failed = 0;
  await new Promise<void>((resolve) => {
    let inFlight = 0;
    const launch = (): void => {
      while (inFlight < concurrency && next < tokens.length) {
        const token = tokens[next++]!;
        inFlight++;
        let settled = false;
        const settle = (ok: boolean): void => {
          if (settled) return;
          settled = true;
          inFlight--;
          if (!ok) failed++;
          if (next >= tokens.length && inFlight === 0) resolve();
          else launch();
        };
        const s: WireSocket = new WireSocket(
          url,
          { token },
          {
            connected: () => {
              open.push(s);
              settle(true);
            },
            refused: (message) => {
              if (failed < 3) log(`refused: ${message}`);
              settle(false);
            },
            event: () => undefined,
            closed: (reason) => {
              if (failed < 3) log(`closed: ${reason}`);
              settle(false);
            },
          },
        );
      }
    };
    launch();
  });
  return { open, failed };
}

interface Figures {
  connects: number;
  failed: number;
  seconds: number;
  cpuUsPerConnect: number;
  /** What the server burns in as long with nothing connecting, per connect. */
  idleUsPerConnect: number;
  /** CPU per connect by thread (µs). */
  byThread: Record<string, number>;
  /** Redis' CPU over the same phase, per connect. */
  redisUsPerConnect: number;
  /** The same, user and system time apart. */
  userUs: number;
  systemUs: number;
  commandsPerConnect: number;
  /** Commands per connect by name (a script's own calls included). */
  byCommand: Record<string, number>;
}

/** utime and stime of a process so far, in seconds (clock ticks of 10 ms). */
function userSystem(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / 100, system: Number(f[12]) / 100 };
}

async function commandStats(url: string): Promise<Map<string, number>> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const info = await redis.info('commandstats', 'stats');
  redis.disconnect();
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  // Reads of client input (Redis 7): the round trips clients made, pipelined or not.
  const reads = /^total_reads_processed:(\d+)/m.exec(info);
  if (reads) out.set('(reads)', Number(reads[1]));
  return out;
}

async function measure(c: Cluster, from: number, inspector?: Inspector): Promise<Figures> {
  const url = c.urls[0]!;
  const tokens = (t: number, n: number): string[] =>
    c.kind === 'ours' ? c.tokens.slice(t, t + n) : Array.from({ length: n }, () => '');
  const warm = await connectAll(url, tokens(from, WARMUP), CONCURRENCY);
  for (const s of warm.open) s.close();
  if (args.cached) {
    const before = await connectAll(url, tokens(from + WARMUP, N), CONCURRENCY);
    for (const s of before.open) s.close();
  }
  // Let the server finish with the closes before the measured phase.
  await sleep(2000);
  const probe = new RedisProbe(c.redisUrl);
  const pid = c.pids[0]!;
  const s0 = await commandStats(c.redisUrl);
  const r0 = await probe.read();
  // The profile and figures below leave this second out; the Redis counts include it.
  // Before the phase: the server's CPU while nothing connects (timers, the closes' tail).
  const idle0 = cpuSeconds(pid);
  await sleep(1000);
  const idleUs = (cpuSeconds(pid) - idle0) * 1e6;
  await inspector?.start();
  const cpuStart = cpuSeconds(pid);
  const redis0 = cpuSeconds(c.redisPid);
  const split0 = userSystem(pid);
  const threads0 = threadSeconds(pid);
  const t0 = performance.now();
  const { open, failed } = await connectAll(url, tokens(from + WARMUP, N), CONCURRENCY);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpuStart;
  const threads1 = threadSeconds(pid);
  const byThread = threadDelta(threads0, threads1, 1e6 / open.length);
  const redisCpu = cpuSeconds(c.redisPid) - redis0;
  const split1 = userSystem(pid);
  const r1 = await probe.read();
  probe.close();
  const s1 = await commandStats(c.redisUrl);
  const byCommand: Record<string, number> = {};
  for (const [name, calls] of s1) {
    const d = calls - (s0.get(name) ?? 0);
    if (d > 0 && name !== 'info') byCommand[name] = Math.round((d / open.length) * 100) / 100;
  }
  // The profile covers the connects only, not the closes that follow.
  if (inspector) inspector.profile = await inspector.stop();
  for (const s of open) s.close();
  const d = deltaOf(r0, r1);
  return {
    connects: open.length,
    failed,
    seconds,
    cpuUsPerConnect: (cpu * 1e6) / open.length,
    idleUsPerConnect: (idleUs * seconds) / open.length,
    byThread,
    redisUsPerConnect: (redisCpu * 1e6) / open.length,
    userUs: ((split1.user - split0.user) * 1e6) / open.length,
    systemUs: ((split1.system - split0.system) * 1e6) / open.length,
    commandsPerConnect: d.commands / open.length,
    byCommand,
  };
}

const fmt = (f: Figures): string =>
  `${f.connects} connects (${f.failed} failed) in ${f.seconds.toFixed(2)} s ` +
  `(${Math.round(f.connects / f.seconds)}/s): ${f.cpuUsPerConnect.toFixed(0)} µs CPU ` +
  `(user ${f.userUs.toFixed(0)}, system ${f.systemUs.toFixed(0)}; idle ${f.idleUsPerConnect.toFixed(0)}; ` +
  `threads ${JSON.stringify(f.byThread)}), Redis ${f.redisUsPerConnect.toFixed(0)} µs, ` +
  `${f.commandsPerConnect.toFixed(2)} Redis commands per connect ${JSON.stringify(f.byCommand)}`;

async function main(): Promise<void> {
  const per = WARMUP + N;
  const ours = await startOurs({ instances: 1 });
  const plain = await startPlain({ instances: 1 });
  try {
    await ensureTokens(ours, per * ROUNDS);
    ours.admin?.close();
    for (let r = 0; r < ROUNDS; r++) {
      log(`ours  #${r + 1}: ${fmt(await measure(ours, r * per))}`);
      log(`plain #${r + 1}: ${fmt(await measure(plain, 0))}`);
    }
  } finally {
    await stopCluster(ours);
    await stopCluster(plain);
  }
  if (!args.profile) return;
  for (const start of [startOurs, startPlain]) {
    const port = await freePort();
    const prof = await start({ instances: 1, nodeArgs: [`--inspect=127.0.0.1:${port}`] });
    try {
      await ensureTokens(prof, per);
      prof.admin?.close();
      const inspector = await Inspector.attach(port);
      log(`${prof.kind} under the profiler: ${fmt(await measure(prof, 0, inspector))}`);
      const profile = inspector.profile!;
      const file = saveProfile(args.profile, `connect-${prof.kind}`, profile);
      writeFileSync(file.replace(/cpuprofile$/, 'heapprofile'), JSON.stringify(inspector.heap));
      log(`profile: ${file}; self time, top 40:\n${topSelf(profile, 40).join('\n')}`);
      log(`allocations:\n${topAlloc(inspector.heap!, N, 30).join('\n')}`);
    } finally {
      await stopCluster(prof);
    }
  }
}

runProbe(main, log);
