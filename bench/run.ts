/**
 * `npm run bench`: our cluster and a plain Socket.IO + Redis adapter server, each as 2
 * instances on one Redis of its own, driven one after the other by the same generator
 * processes on this machine. Prints ratios and writes bench/RESULTS.md. Bounded: every
 * phase has a deadline, and the whole run stays well under 10 minutes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { io, type Socket } from 'socket.io-client';
import { merge, percentiles } from '../src/admin/loadtest/histogram.js';
import {
  Gen,
  freePort,
  killAll,
  rssBytes,
  sleep,
  startRedis,
  track,
  waitHttp,
  waitLine,
} from './procs.js';
import type { Kind } from './protocols.js';
import { renderResults, type Broadcast, type Results, type StepResult } from './results.js';
import { runScale } from './scale.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../../..');
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
/** BENCH_QUICK=1: a tiny run to check the bench itself works (its figures mean nothing). */
const QUICK = process.env.BENCH_QUICK === '1';
/** BENCH_PROFILE=1: CPU profiles of every server process in bench/out/prof (run apart). */
const PROFILE = process.env.BENCH_PROFILE === '1';
const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

interface Cluster {
  kind: Kind;
  /** Ours: an admin connection, to broadcast a notice to every client. */
  admin?: Socket;
  urls: string[];
  procs: ChildProcess[];
  pids: number[];
  tokens: string[];
}

const nodeArgs = (): string[] =>
  PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench/out/prof')}`] : [];

/** Stops servers with SIGTERM so their profiles are written (bounded), when profiling. */
async function stopServers(cs: Cluster[]): Promise<void> {
  if (!PROFILE) return;
  const procs = cs.flatMap((c) => c.procs).filter((p) => p.exitCode === null);
  const gone = Promise.all(procs.map((p) => new Promise((r) => p.once('exit', r))));
  for (const p of procs) p.kill('SIGTERM');
  await Promise.race([gone, sleep(20_000)]);
}

async function startOurs(clients: number): Promise<Cluster> {
  const redisUrl = await startRedis();
  const ports = [await freePort(), await freePort()];
  const procs = ports.map((port, i) =>
    track(
      spawn(
        process.execPath,
        [
          ...nodeArgs(),
          path.join(ROOT, 'dist/server/main.js'),
          'instance',
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
          '--id',
          `chat-${i + 1}`,
        ],
        {
          env: {
            ...process.env,
            REDIS_URL: redisUrl,
            CHAT_ADMIN_TOKEN: ADMIN_TOKEN,
            LOG_LEVEL: 'warn',
            LOG_FORMAT: 'json',
            CHAT_DRAIN_GRACE_MS: '1000',
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      ),
    ),
  );
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  await Promise.all(urls.map((u) => waitHttp(`${u}/readyz`)));
  // Users and sessions through the admin bulk path (the same the load tester uses).
  const admin = io(`${urls[0]}/admin`, {
    auth: { adminToken: ADMIN_TOKEN },
    transports: ['websocket'],
  });
  const tokens: string[] = [];
  for (let from = 0; from < clients; from += 1000) {
    const res = (await admin.timeout(30_000).emitWithAck('admin:users:create', {
      prefix: 'ltbench',
      from,
      count: 1000,
      ttlSec: 3600,
    })) as {
      ok: boolean;
      data: { users: { token: string }[] };
    };
    if (!res.ok) throw new Error('admin:users:create failed');
    tokens.push(...res.data.users.map((u) => u.token));
  }
  return { kind: 'ours', admin, urls, procs, pids: procs.map((p) => p.pid!), tokens };
}

async function startPlain(): Promise<Cluster> {
  const redisUrl = await startRedis();
  const ports = [await freePort(), await freePort()];
  const procs = ports.map((port) =>
    track(
      spawn(
        process.execPath,
        [...nodeArgs(), path.join(HERE, 'baseline-server.js'), String(port), redisUrl],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      ),
    ),
  );
  await Promise.all(procs.map((p) => waitLine(p, (l) => l.startsWith('baseline ready'))));
  return {
    kind: 'plain',
    urls: ports.map((p) => `http://127.0.0.1:${p}`),
    procs,
    pids: procs.map((p) => p.pid!),
    tokens: [],
  };
}

const GEN_PROCS = 4;
const gens = Array.from({ length: GEN_PROCS }, () => new Gen(path.join(HERE, 'gen-worker.js')));
const all = (cmd: (g: number) => Parameters<Gen['ask']>[0], ms?: number) =>
  Promise.all(gens.map((g, i) => g.ask(cmd(i), ms)));

/** Connects `n` clients (spread over generators and instances); returns the time it took. */
async function connect(
  c: Cluster,
  n: number,
  offset: number,
  room: (i: number) => string,
): Promise<{ ms: number; failed: number }> {
  const t = performance.now();
  const res = await all((g) => {
    const clients: { token?: string; room: string }[] = [];
    for (let i = g; i < n; i += GEN_PROCS) {
      const tk = c.tokens[offset + i];
      clients.push(tk ? { token: tk, room: room(i) } : { room: room(i) });
    }
    return { type: 'connect', kind: c.kind, urls: c.urls, clients, concurrency: 50 };
  });
  return { ms: performance.now() - t, failed: res.reduce((s, r) => s + (r.failed ?? 0), 0) };
}

const closeAll = (c: Cluster) => all(() => ({ type: 'close', kind: c.kind }));
const join = (c: Cluster, timeoutMs = 120_000) =>
  all(() => ({ type: 'join', kind: c.kind, timeoutMs }), timeoutMs + 5000);
const rss = (c: Cluster): number => c.pids.reduce((s, pid) => s + rssBytes(pid), 0);

/**
 * The scenarios interleave the two servers (a tier, a round or a step of one, then of the
 * other), so a change in what else runs on this shared machine hits both alike.
 */
async function idle(cs: Cluster[]): Promise<Results['idle']> {
  const tiers = QUICK ? [500, 1000] : [5000, 10_000, 20_000];
  const out: Results['idle'] = { plain: [], ours: [] };
  await sleep(2000);
  const rss0 = new Map(cs.map((c) => [c.kind, rss(c)]));
  for (const [t, tier] of tiers.entries()) {
    const have = tiers[t - 1] ?? 0;
    for (const c of cs) {
      const { ms, failed } = await connect(c, tier - have, have, () => 'idle');
      await sleep(2000);
      const r = rss(c);
      out[c.kind].push({
        connections: tier,
        failed,
        connectPerSec: Math.round(((tier - have) * 1000) / ms),
        bytesPerConn: Math.round((r - rss0.get(c.kind)!) / tier),
        rssBytes: r,
      });
      log(`${c.kind} idle ${tier}: ${JSON.stringify(out[c.kind].at(-1))}`);
    }
  }
  for (const c of cs) await closeAll(c);
  return out;
}

/** One broadcast measurement: `rounds` messages, each to all `n` clients. */
async function rounds(
  c: Cluster,
  tag: string,
  via: 'room' | 'notice',
  n: number,
): Promise<Broadcast> {
  const hs: string[] = [];
  let worst = 0;
  let received = 0;
  const count = 5;
  for (let r = 0; r < count; r++) {
    await sleep(500);
    const t = `${tag}${r}`;
    const answers = all((g) => ({
      type: 'broadcast',
      kind: c.kind,
      sender: via === 'room' && g === 0,
      tag: t,
      timeoutMs: 15_000,
    }));
    if (via === 'notice') {
      await sleep(200); // every generator is listening by now
      const at = (performance.timeOrigin + performance.now()).toFixed(3);
      c.admin?.emit('admin:broadcast', { text: `${t} ${at}` }, () => undefined);
    }
    const res = await answers;
    const one = res.flatMap((x) => (x.hist ? [x.hist] : []));
    hs.push(...one);
    received += res.reduce((s, x) => s + (x.received ?? 0), 0);
    worst = Math.max(worst, percentiles(merge(one)).max);
  }
  return {
    ...percentiles(merge(hs)),
    rounds: count,
    allWithinMs: worst,
    received,
    expected: n * count,
  };
}

/**
 * c. One message to 5k clients. The baseline: into a room all of them joined. Ours: an
 * operator's notice to every connected client, then a message into a room all of them
 * joined, if joining 5k users to one room finishes in time.
 */
async function broadcast(cs: Cluster[]): Promise<Results['broadcast']> {
  const n = QUICK ? 500 : 5000;
  const out: Results['broadcast'] = {};
  for (const c of cs) {
    await connect(c, n, 0, () => 'bcast');
    if (c.kind === 'plain') {
      await join(c);
      out.plain = await rounds(c, 'bp', 'room', n);
      log(`plain broadcast to ${n} in a room: ${JSON.stringify(out.plain)}`);
    } else {
      out.oursNotice = await rounds(c, 'bn', 'notice', n);
      log(`ours notice to ${n} clients: ${JSON.stringify(out.oursNotice)}`);
      const t = performance.now();
      try {
        await join(c, 60_000);
        out.oursRoomJoinMs = Math.round(performance.now() - t);
        out.oursRoom = await rounds(c, 'bo', 'room', n);
        log(`ours broadcast to ${n} in a room: ${JSON.stringify(out.oursRoom)}`);
      } catch (err) {
        out.oursRoomError = err instanceof Error ? err.message : String(err);
        log(`ours broadcast in a room: ${out.oursRoomError}`);
      }
    }
    await closeAll(c);
  }
  return out;
}

async function fanout(cs: Cluster[]): Promise<Results['fanout']> {
  const n = 1000;
  const roomSize = 100;
  for (const c of cs) {
    await connect(c, n, 0, (i) => `fan-${i % (n / roomSize)}`);
    await join(c);
  }
  const out: Results['fanout'] = { plain: [], ours: [] };
  const saturated = new Set<Kind>();
  for (const rate of QUICK ? [100, 200] : [100, 200, 400, 600, 800, 1000, 1300, 1600, 2000]) {
    for (const c of cs) {
      if (saturated.has(c.kind)) continue;
      const ms = 6000;
      const warmupMs = 1500;
      const at = Date.now() + 300;
      const res = await all(() => ({
        type: 'send',
        kind: c.kind,
        at,
        rate: rate / GEN_PROCS,
        ms,
        warmupMs,
        settleMs: 1500,
      }));
      const sent = res.reduce((s, r) => s + (r.sent ?? 0), 0);
      const received = res.reduce((s, r) => s + (r.received ?? 0), 0);
      const p = percentiles(merge(res.flatMap((r) => (r.hist ? [r.hist] : []))));
      const secs = (ms - warmupMs) / 1000;
      const step: StepResult = {
        rate,
        deliveredPerSec: Math.round(received / secs),
        expectedPerSec: Math.round((sent * roomSize) / secs),
        p50: p.p50,
        p99: p.p99,
      };
      out[c.kind].push(step);
      log(`${c.kind} fan-out ${JSON.stringify(step)}`);
      // Saturated (a tenth of the deliveries late or missing): stop climbing.
      if (p.p99 > 5000 || received < 0.9 * sent * roomSize) saturated.add(c.kind);
    }
  }
  for (const c of cs) await closeAll(c);
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const hard = setTimeout(() => {
    log('hard limit of 9.5 minutes reached; stopping');
    killAll();
    process.exit(1);
  }, 570_000);
  process.on('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
  const plain = await startPlain();
  const ours = await startOurs(QUICK ? 1000 : 20_000);
  log(`servers up: plain ${plain.urls.join(' ')}, ours ${ours.urls.join(' ')}`);
  const results: Results = {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'cpu'} x ${os.availableParallelism()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
    idle: { plain: [], ours: [] },
    broadcast: {},
    fanout: { plain: [], ours: [] },
    seconds: 0,
    loadAvgStart: os.loadavg().map((l) => Math.round(l * 10) / 10),
    loadAvgEnd: [],
  };
  const cs = [plain, ours];
  results.idle = await idle(cs);
  results.broadcast = await broadcast(cs);
  results.fanout = await fanout(cs);
  results.loadAvgEnd = os.loadavg().map((l) => Math.round(l * 10) / 10);
  results.seconds = Math.round((Date.now() - started) / 1000);
  // The generators and both servers go first: the scale section needs the machine to itself.
  for (const g of gens) g.proc.disconnect();
  for (const c of cs) c.admin?.close();
  await stopServers(cs);
  for (const p of cs.flatMap((c) => c.procs)) p.kill('SIGKILL');
  // The scale section: more instances and more Redis masters (bench/scale.ts).
  const scale = await runScale();
  writeFileSync(path.join(ROOT, 'bench/out/results.json'), JSON.stringify(results, null, 2));
  // Formatted as the repository formats Markdown, so the committed file passes the lint.
  const mdPath = path.join(ROOT, QUICK ? 'bench/out/RESULTS-quick.md' : 'bench/RESULTS.md');
  const md = await prettier.format(`${renderResults(results)}\n${scale}\n`, {
    ...(await prettier.resolveConfig(mdPath)),
    filepath: mdPath,
  });
  writeFileSync(mdPath, md);
  process.stdout.write(md);
  clearTimeout(hard);
  killAll();
  process.exit(0);
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
  killAll();
  process.exit(1);
});
