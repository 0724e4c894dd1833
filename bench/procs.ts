import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { freePort } from '../test/helpers/processes.js';
import type { GenCommand, GenDone } from './gen-messages.js';

/** Every process the bench starts, so it can kill them all (by pid) on the way out. */
const started = new Set<ChildProcess>();

export function track(p: ChildProcess): ChildProcess {
  started.add(p);
  p.once('exit', () => started.delete(p));
  return p;
}

export function killAll(): void {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

/**
 * Runs a probe's `main`: exits 0 once it is done; if it fails, says why, kills every process
 * it started and exits 1.
 */
export function runProbe(main: () => Promise<void>, log: (s: string) => void): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      log(String((err as Error).stack ?? err));
      killAll();
      process.exit(1);
    },
  );
}

/** Ports below the kernel's ephemeral range, as the tests take them (see there). */
export { freePort };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Waits for a line on the child's stdout, bounded in time. */
export function waitLine(
  p: ChildProcess,
  pred: (l: string) => boolean,
  ms = 20_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`no ready line from pid ${p.pid} in ${ms} ms`)),
      ms,
    );
    createInterface({ input: p.stdout! }).on('line', (l) => {
      if (pred(l)) {
        clearTimeout(t);
        resolve();
      }
    });
    p.once('exit', (code) => reject(new Error(`pid ${p.pid} exited (${code})`)));
  });
}

/** A redis-server of the bench's own, without persistence (the same for both servers). */
export async function startRedis(): Promise<string> {
  return (await startRedisProc()).url;
}

/** As `startRedis`, also giving the server's pid (to read its CPU time). */
export async function startRedisProc(): Promise<{ url: string; pid: number }> {
  const port = await freePort();
  const p = track(
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ),
  );
  await waitLine(p, (l) => l.includes('Ready to accept connections'));
  return { url: `redis://127.0.0.1:${port}`, pid: p.pid! };
}

/** Polls `url` until it answers 200, bounded in time. */
export async function waitHttp(url: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${url} not ready in ${ms} ms`);
}

/** A generator worker process and its request/answer channel. */
export class Gen {
  private seq = 0;
  private readonly waiting = new Map<number, (d: GenDone) => void>();
  readonly proc: ChildProcess;

  /** `execArgv`: node flags for the worker (e.g. --cpu-prof). */
  constructor(main: string, execArgv: string[] = []) {
    this.proc = track(fork(main, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    this.proc.on('message', (raw) => {
      const d = raw as GenDone;
      this.waiting.get(d.id)?.(d);
      this.waiting.delete(d.id);
    });
  }

  /** Sends a command and waits for its answer (at most `ms`). */
  ask(cmd: Omit<GenCommand, 'id'>, ms = 120_000): Promise<GenDone> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`generator: no answer to ${cmd.type}`)), ms);
      this.waiting.set(id, (d) => {
        clearTimeout(t);
        if (d.error) reject(new Error(`generator: ${d.error}`));
        else resolve(d);
      });
      this.proc.send({ ...cmd, id });
    });
  }
}

/** A set of generator processes driven together. */
export class GenPool {
  readonly gens: Gen[];

  constructor(main: string, count: number, execArgv: string[] = []) {
    this.gens = Array.from({ length: count }, () => new Gen(main, execArgv));
  }

  get size(): number {
    return this.gens.length;
  }

  get pids(): number[] {
    return this.gens.map((g) => g.proc.pid!);
  }

  /** Sends each generator its command (`cmd(i)`) and waits for every answer. */
  all(cmd: (g: number) => Omit<GenCommand, 'id'>, ms?: number): Promise<GenDone[]> {
    return Promise.all(this.gens.map((g, i) => g.ask(cmd(i), ms)));
  }

  /** Ends the generators (they exit when their channel closes) and waits, bounded. */
  async stop(): Promise<void> {
    const live = this.gens.filter((g) => g.proc.exitCode === null);
    const gone = Promise.all(live.map((g) => new Promise((r) => g.proc.once('exit', r))));
    for (const g of live) g.proc.disconnect();
    await Promise.race([gone, sleep(10_000)]);
    for (const g of live) if (g.proc.exitCode === null) g.proc.kill('SIGKILL');
  }
}
