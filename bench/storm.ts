/**
 * `npm run bench -- --section storm`: the footprint a login storm leaves behind. Each system
 * fresh, 2 instances on a Redis of its own, one at a time: ours takes 1000 logins that create
 * accounts (`POST /api/login`, the password hashed on the instance) and 1000 sockets with the
 * tokens they got; the plain server takes the 1000 sockets (it has no logins). Every socket
 * then closes, and the instances' RSS is read 60 s later: what a storm costs once it is over.
 */
import os from 'node:os';
import { HttpPath, type LoginResponse } from '../src/protocol/index.js';
import { startOurs, startPlain, stopCluster, type Cluster } from './cluster.js';
import { open, type BenchConn } from './protocols.js';
import { rssBytes, sleep } from './procs.js';
import type { Kind } from './protocols.js';

const log = (s: string): void => void process.stderr.write(`bench storm: ${s}\n`);

export interface StormSide {
  kind: Kind;
  users: number;
  /** Logins answered (ours), sockets opened. */
  logins: number;
  loginSeconds: number;
  sockets: number;
  failed: number;
  rssStartBytes: number[];
  /** The instances' RSS with every socket open. */
  rssPeakBytes: number[];
  /** The instances' RSS `afterSec` after the last socket closed. */
  rssAfterBytes: number[];
  afterSec: number;
  loadStart: number;
  loadEnd: number;
}

export type StormResult = Record<Kind, StormSide>;

const CONCURRENCY = 50;

/** Runs `fn` for 0..n-1, `CONCURRENCY` at a time. */
async function lanes(n: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function login(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}${HttpPath.Login}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'storm-password-1', create: true }),
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok) throw new Error(`login ${res.status}: ${await res.text()}`);
  return ((await res.json()) as LoginResponse).token;
}

async function side(c: Cluster, users: number, afterSec: number): Promise<StormSide> {
  const load = (): number => Math.round(os.loadavg()[0]! * 100) / 100;
  const out: StormSide = {
    kind: c.kind,
    users,
    logins: 0,
    loginSeconds: 0,
    sockets: 0,
    failed: 0,
    rssStartBytes: [],
    rssPeakBytes: [],
    rssAfterBytes: [],
    afterSec,
    loadStart: load(),
    loadEnd: 0,
  };
  await sleep(3000);
  out.rssStartBytes = c.pids.map(rssBytes);
  const tokens: (string | undefined)[] = new Array<string | undefined>(users);
  const run = Date.now().toString(36);
  if (c.kind === 'ours') {
    const t = performance.now();
    await lanes(users, async (i) => {
      try {
        tokens[i] = await login(c.urls[i % c.urls.length]!, `storm${run}x${i}`);
        out.logins++;
      } catch (err) {
        out.failed++;
        log(`login ${i}: ${(err as Error).message}`);
      }
    });
    out.loginSeconds = Math.round((performance.now() - t) / 100) / 10;
  }
  const conns: BenchConn[] = [];
  await lanes(users, async (i) => {
    if (c.kind === 'ours' && !tokens[i]) return;
    try {
      conns.push(await open(c.kind, c.urls[i % c.urls.length]!, tokens[i]));
      out.sockets++;
    } catch {
      out.failed++;
    }
  });
  out.rssPeakBytes = c.pids.map(rssBytes);
  for (const conn of conns) conn.close();
  log(
    `${c.kind}: ${out.logins} logins in ${out.loginSeconds} s, ${out.sockets} sockets, ${out.failed} failed; all closed, waiting ${afterSec} s`,
  );
  await sleep(afterSec * 1000);
  out.rssAfterBytes = c.pids.map(rssBytes);
  out.loadEnd = load();
  return out;
}

export async function runStorm(o: { quick: boolean }): Promise<StormResult> {
  const users = o.quick ? 200 : 1000;
  const afterSec = o.quick ? 10 : 60;
  const result: Partial<StormResult> = {};
  for (const start of [startPlain, startOurs]) {
    const c = await start({ instances: 2 });
    try {
      const s = await side(c, users, afterSec);
      result[c.kind] = s;
    } finally {
      await stopCluster(c);
    }
  }
  return result as StormResult;
}
