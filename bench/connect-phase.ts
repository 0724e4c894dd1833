/**
 * The idle section's connect phase alone, alternated between the systems for `--rounds`
 * rounds: `--n` logged-in clients (ours: a fresh session token each) opened through the
 * bench's four generator processes (50 in flight each) against two instances of each system,
 * and over the phase the wall time and the CPU of the instances, Redis, the generators and
 * the machine as a whole, per connect. Says where a connect's CPU goes on the whole machine,
 * which the connect rate is bounded by when the cores are busy.
 *
 * Usage: tsc -p bench/tsconfig.json && node bench/out/build/bench/connect-phase.js
 *          [--n 10000] [--rounds 3]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTokens, startOurs, startPlain, stopCluster, type Cluster } from './cluster.js';
import { closeWindow, machineBusySeconds, openWindow, sumPids } from './cpu.js';
import { median } from './fit.js';
import { GenPool, runProbe, sleep } from './procs.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    /** Only this system's phases (`ours` or `plain`). */
    only: { type: 'string' },
    /** The generators run under `--cpu-prof`, their profiles written to this folder at exit. */
    'gen-prof': { type: 'string' },
  },
});
const N = Number(args.n);
const ROUNDS = Number(args.rounds);
const log = (s: string): void => void process.stderr.write(`connect-phase: ${s}\n`);

interface Phase {
  rate: number;
  /** CPU per connect, µs. */
  instances: number;
  redis: number;
  generators: number;
  line: string;
}

async function phase(c: Cluster, gens: GenPool, from: number): Promise<Phase> {
  const pids = [...c.pids, c.redisPid, ...gens.pids];
  const w = openWindow(pids);
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const res = await gens.all((g) => {
    const clients: { token?: string; room: string }[] = [];
    for (let i = g; i < N; i += gens.size) {
      const tk = c.tokens[from + i];
      clients.push({ ...(tk ? { token: tk } : {}), room: `idle-${i % 100}` });
    }
    return { type: 'connect', kind: c.kind, urls: c.urls, clients, concurrency: 50 };
  }, 180_000);
  const s = (performance.now() - t0) / 1000;
  const cpu = closeWindow(w);
  const machine = machineBusySeconds() - busy0;
  const failed = res.reduce((a, r) => a + (r.failed ?? 0), 0);
  const ok = N - failed;
  const us = (sec: number): string => ((sec * 1e6) / ok).toFixed(0);
  await gens.all(() => ({ type: 'close', kind: c.kind }));
  await sleep(4000);
  const line =
    `${c.kind.padEnd(5)} ${ok} in ${s.toFixed(2)} s (${Math.round(ok / s)}/s); µs per connect: ` +
    `instances ${us(sumPids(cpu, c.pids))}, redis ${us(sumPids(cpu, [c.redisPid]))}, ` +
    `generators ${us(sumPids(cpu, gens.pids))}, machine ${us(machine)} ` +
    `(${((machine / s) * 50).toFixed(0)} % of two cores busy), load ${cpu.loadStart}`;
  const per = (sec: number): number => (sec * 1e6) / ok;
  return {
    rate: ok / s,
    instances: per(sumPids(cpu, c.pids)),
    redis: per(sumPids(cpu, [c.redisPid])),
    generators: per(sumPids(cpu, gens.pids)),
    line,
  };
}

async function main(): Promise<void> {
  const plain = await startPlain({ instances: 2 });
  const ours = await startOurs({ instances: 2 });
  const gens = new GenPool(
    path.join(HERE, 'gen-worker.js'),
    4,
    args['gen-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['gen-prof']}`] : [],
  );
  try {
    await ensureTokens(ours, N * (ROUNDS + 1));
    await sleep(3000);
    // A first round of each warms both up (their code is compiled on the way), not counted.
    const seen: Record<string, Phase[]> = { ours: [], plain: [] };
    for (let r = 0; r <= ROUNDS; r++) {
      for (const c of r % 2 === 0 ? [plain, ours] : [ours, plain]) {
        if (args.only !== undefined && c.kind !== args.only) continue;
        const p = await phase(c, gens, c.kind === 'ours' ? r * N : 0);
        log(`${r === 0 ? 'warm-up ' : ''}${p.line}`);
        if (r > 0) seen[c.kind]!.push(p);
      }
    }
    if (seen.ours!.length && seen.plain!.length) {
      const m = (k: string, f: (p: Phase) => number): number => median(seen[k]!.map(f));
      const row = (what: string, f: (p: Phase) => number): string =>
        `${what}: ours ${m('ours', f).toFixed(0)}, plain ${m('plain', f).toFixed(0)}, ` +
        `${(m('ours', f) / m('plain', f)).toFixed(2)}x`;
      log(`medians of ${ROUNDS} rounds:`);
      log(row('rate /s', (p) => p.rate));
      log(row('instances µs', (p) => p.instances));
      log(row('generators µs', (p) => p.generators));
      log(row('redis µs', (p) => p.redis));
    }
  } finally {
    await gens.stop();
    await stopCluster(ours);
    await stopCluster(plain);
  }
}

runProbe(main, log);
