/**
 * The load generators side by side: `chat-admin loadtest` and Artillery 2.0.21 with
 * artillery-engine-socketio-v3 put the same chat load on the same cluster of ours (N users
 * in rooms of 50, one message per user every 10 s), one after the other. The figure is
 * virtual-user seconds per generator CPU-second: the CPU time of the generator's whole
 * process tree (its workers too), read from /proc every 200 ms while it runs.
 *
 * Artillery is installed on first use into bench/artillery/ (its own package.json and lock,
 * exact versions), never into the package's dependencies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN, ROOT, ensureTokens, type Cluster } from './cluster.js';
import { sleep, track } from './procs.js';

const ART_DIR = path.join(ROOT, 'bench/artillery');
const ART_BIN = path.join(ART_DIR, 'node_modules/artillery/bin/run');
const SCENARIO = path.join(ROOT, 'bench/artillery-chat.yml');
const OUT = path.join(ROOT, 'bench/out');
const log = (s: string): void => void process.stderr.write(`bench generators: ${s}\n`);

export interface GeneratorRun {
  tool: string;
  users: number;
  /** Seconds each user is connected and chatting, summed over the users. */
  vuSeconds: number;
  cpuSeconds: number;
  wallSeconds: number;
  vuSecondsPerCpuSecond: number;
  /** Sends acknowledged / attempted, as each tool reports them. */
  sent: number;
  failed: number;
  /** End-to-end delivery latency (ours) or emit-to-ack (Artillery), ms. */
  p99Ms: number;
  what: string;
  /** ours: fan-out checked (lost and duplicated counts). */
  lost?: number;
  error?: string;
}

export interface GeneratorsResult {
  users: number;
  rate: number;
  ours: GeneratorRun;
  artillery: GeneratorRun;
}

/** Installs Artillery into bench/artillery/ from its lock file, once (no install scripts). */
export function ensureArtillery(): void {
  if (existsSync(ART_BIN)) return;
  log('installing Artillery 2.0.21 into bench/artillery (first use)');
  const r = spawnSync(
    'npm',
    ['ci', '--prefix', ART_DIR, '--ignore-scripts', '--no-audit', '--no-fund'],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
      timeout: 600_000,
    },
  );
  if (r.status !== 0 || !existsSync(ART_BIN)) throw new Error('could not install Artillery');
}

/** utime + stime ticks of every process below (and including) `root`, by pid. */
function treeTicks(root: number): Map<number, number> {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(f[1]));
      ticks.set(Number(name), Number(f[11]) + Number(f[12]));
    } catch {
      // Gone meanwhile.
    }
  }
  const inTree = (pid: number): boolean => {
    // Walks up at most 64 parents: bounded even if /proc changed under us.
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++) {
      if (p === root) return true;
    }
    return false;
  };
  return new Map([...ticks].filter(([pid]) => inTree(pid)));
}

/**
 * Runs a generator to its end, reading its process tree's CPU every 200 ms (a process that
 * exits keeps its last reading). Bounded by `timeoutMs`.
 */
async function measured(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; cpuSeconds: number; wallSeconds: number }> {
  const t0 = performance.now();
  const p: ChildProcess = track(spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] }));
  let stdout = '';
  p.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  const last = new Map<number, number>();
  const read = (): void => {
    for (const [pid, t] of treeTicks(p.pid!)) last.set(pid, Math.max(t, last.get(pid) ?? 0));
  };
  const timer = setInterval(read, 200);
  const kill = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  clearInterval(timer);
  clearTimeout(kill);
  const ticks = [...last.values()].reduce((s, t) => s + t, 0);
  return {
    code,
    stdout,
    cpuSeconds: ticks / 100,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

/** A generator's run before its report is read: its CPU and wall time, nothing counted yet. */
function generatorRun(
  tool: string,
  users: number,
  vuSeconds: number,
  r: { cpuSeconds: number; wallSeconds: number },
  what: string,
): GeneratorRun {
  return {
    tool,
    users,
    vuSeconds,
    cpuSeconds: Math.round(r.cpuSeconds * 100) / 100,
    wallSeconds: Math.round(r.wallSeconds),
    vuSecondsPerCpuSecond: Math.round(vuSeconds / Math.max(r.cpuSeconds, 0.01)),
    sent: 0,
    failed: 0,
    p99Ms: 0,
    what,
  };
}

async function runOurs(
  c: Cluster,
  users: number,
  o: { rampSec: number; steadySec: number },
): Promise<GeneratorRun> {
  const args = [
    path.join(ROOT, 'dist/admin/main.js'),
    'loadtest',
    '--server',
    c.urls[0]!,
    '--clients',
    String(users),
    '--ramp',
    `${o.rampSec}s`,
    '--duration',
    `${o.steadySec}s`,
    '--drain',
    '10s',
    '--json',
  ];
  const env = {
    ...process.env,
    CHAT_ADMIN_TOKEN: ADMIN_TOKEN,
    XDG_CONFIG_HOME: path.join(OUT, 'xdg'),
    NO_COLOR: '1',
  };
  const r = await measured(process.execPath, args, env, 300_000);
  const vuSeconds = users * (o.rampSec / 2 + o.steadySec);
  const base = generatorRun(
    'chat-admin loadtest',
    users,
    vuSeconds,
    r,
    'end-to-end delivery to every room member, loss and duplicates checked',
  );
  try {
    const rep = JSON.parse(r.stdout) as {
      clients: { connected: number; failed: number };
      messages: { sent: number; failed: number; lost: number };
      latencyMs: { p99: number };
    };
    return {
      ...base,
      sent: rep.messages.sent,
      failed: rep.messages.failed + rep.clients.failed,
      p99Ms: rep.latencyMs.p99,
      lost: rep.messages.lost,
    };
  } catch {
    return { ...base, error: `no report (exit ${r.code})` };
  }
}

async function runArtillery(
  c: Cluster,
  users: number,
  o: { rampSec: number; steadySec: number },
): Promise<GeneratorRun> {
  ensureArtillery();
  await ensureTokens(c, users, 'ltbench');
  mkdirSync(OUT, { recursive: true });
  const rooms = Math.max(1, Math.round(users / 50));
  // Artillery reads the payload path relative to the scenario file.
  writeFileSync(
    path.join(OUT, 'artillery-tokens.csv'),
    c.tokens
      .slice(0, users)
      .map((t, i) => `${t},ltart-r${i % rooms}`)
      .join('\n') + '\n',
  );
  // Users arrive over the ramp and each sends every 10 s for the rest of the run.
  const loops = Math.max(1, Math.round((o.rampSec / 2 + o.steadySec) / 10));
  const overrides = {
    config: {
      target: c.urls[0],
      phases: [{ duration: o.rampSec, arrivalRate: Math.ceil(users / o.rampSec) }],
      variables: { loops },
    },
  };
  const report = path.join(OUT, 'artillery-report.json');
  const env = {
    ...process.env,
    ARTILLERY_DISABLE_TELEMETRY: 'true',
    NO_COLOR: '1',
  };
  const r = await measured(
    process.execPath,
    [ART_BIN, 'run', '--overrides', JSON.stringify(overrides), '--output', report, SCENARIO],
    env,
    300_000,
  );
  const arrived = Math.ceil(users / o.rampSec) * o.rampSec;
  const vuSeconds = arrived * loops * 10;
  const base = generatorRun(
    'Artillery 2.0.21 + socketio-v3',
    arrived,
    vuSeconds,
    r,
    'emit-to-ack of its own sends only',
  );
  try {
    const rep = JSON.parse(readFileSync(report, 'utf8')) as {
      aggregate: {
        counters: Record<string, number>;
        summaries: Record<string, { mean: number; count: number }>;
      };
    };
    const k = rep.aggregate.counters;
    const errors = Object.entries(k)
      .filter(([name]) => name.startsWith('errors.'))
      .reduce((s, [, v]) => s + v, 0);
    // Artillery's own account of how long its users lived (ms), when it has one.
    const session = rep.aggregate.summaries['vusers.session_length'];
    const vuSecs = session ? Math.round((session.mean * session.count) / 1000) : vuSeconds;
    return {
      ...base,
      users: k['vusers.created'] ?? arrived,
      vuSeconds: vuSecs,
      vuSecondsPerCpuSecond: Math.round(vuSecs / Math.max(r.cpuSeconds, 0.01)),
      // Every user's first emit is its join.
      sent: (k['engine.socketio.emit'] ?? 0) - (k['vusers.created'] ?? 0),
      failed: Math.max(k['vusers.failed'] ?? 0, errors),
      // The socketio-v3 engine records no response-time metric under Artillery 2.
      p99Ms: Number.NaN,
    };
  } catch {
    return { ...base, error: `no report (exit ${r.code})` };
  }
}

export async function runGenerators(c: Cluster, o: { quick: boolean }): Promise<GeneratorsResult> {
  const users = o.quick ? 300 : 3000;
  const timing = o.quick ? { rampSec: 5, steadySec: 15 } : { rampSec: 10, steadySec: 50 };
  const ours = await runOurs(c, users, timing);
  log(JSON.stringify(ours));
  await sleep(3000);
  const artillery = await runArtillery(c, users, timing);
  log(JSON.stringify(artillery));
  return { users, rate: users / 10, ours, artillery };
}
