import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

/**
 * The ports the kernel gives outgoing connections (and `listen(0)`): a server a test stops and
 * starts again on its port must not have had it there, or any connection made meanwhile (a
 * client's, Redis's own, another test's) may take it and the restart cannot bind.
 */
function ephemeralLow(): number {
  try {
    const [lo] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return lo !== undefined && Number.isInteger(lo) && lo > 2048 ? lo : 32768;
  } catch {
    return 32768;
  }
}

/** Where the ports of tests start, and how many each test worker has of its own. */
const PORTS_FROM = 10_000;
const PORTS_PER_WORKER = 2000;
let nextPort: number | undefined;

/** A port the kernel picks (from its ephemeral range). */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free loopback port below the kernel's ephemeral range, from a block of this test worker's
 * own (vitest's pool id), so a server stopped and started again finds its port still free:
 * nothing outside takes a port there unasked, and this worker hands each out once a round of
 * its block. Ports in use (another program's, another run's) are passed over.
 */
export async function freePort(): Promise<number> {
  const worker = Number(process.env.VITEST_POOL_ID ?? 0);
  // An ephemeral range set unusually low leaves smaller blocks (never reaching into it), and
  // one starting near PORTS_FROM leaves the kernel's choice.
  const room = ephemeralLow() - PORTS_FROM;
  if (room < 500) return kernelPort();
  const span = Math.min(PORTS_PER_WORKER, room);
  const blocks = Math.max(1, Math.floor(room / span));
  const base = PORTS_FROM + (worker % blocks) * span;
  nextPort ??= base + Math.floor(Math.random() * span);
  for (let tried = 0; tried < span; tried++) {
    const port = nextPort;
    nextPort = base + ((nextPort - base + 1) % span);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${base}-${base + span - 1}`);
}

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SERVER_MAIN = path.join(ROOT, 'dist/server/main.js');

/** Every process a test file started, so a failed test still leaves nothing behind. */
const started = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** What a program run to its end printed, and how it ended. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program (tracked) to its end with `input` on stdin. Resolves on 'close', not 'exit':
 * the output is complete only once the pipes have closed.
 */
export async function runToEnd(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Promise<Run> {
  const child = track(spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: 'pipe' }));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end(opts.input ?? '');
  const code = await new Promise<number | null>((resolve) =>
    child.once('close', (c: number | null) => resolve(c)),
  );
  return { code, stdout, stderr };
}

/** Kills (SIGKILL, by PID) whatever the file started and is still running. */
export async function killAll(): Promise<void> {
  await Promise.all([...started].map((c) => killAndWait(c, 'SIGKILL')));
}

export function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

export async function killAndWait(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> {
  const done = exited(child);
  if (child.exitCode === null && child.signalCode === null) {
    // A child spawned `detached` leads its own process group (a shell job, e.g. `npm start`):
    // signal the whole group, or what it started (the supervisor, its instances) outlives it.
    if (child.pid !== undefined && leadsGroup(child.pid)) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    } else child.kill(signal);
  }
  await done;
}

/** Whether `pid` leads its own process group (Linux: the 5th field of /proc/<pid>/stat). */
function leadsGroup(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[2]) === pid;
  } catch {
    return false;
  }
}

export function tmpDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `chat-tui-${prefix}-`));
}

/** Whether a PID is still running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** JSON log lines of a child's stderr, as events to await. */
export class LogWatch {
  readonly lines: Record<string, unknown>[] = [];
  private waiters: {
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];

  constructor(stream: NodeJS.ReadableStream) {
    createInterface({ input: stream }).on('line', (line) => {
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(line) as Record<string, unknown>;
      } catch {
        obj = { raw: line };
      }
      this.lines.push(obj);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(obj)) return true;
        w.resolve(obj);
        return false;
      });
    });
  }

  /** Resolves once `n` lines (past and future together) have matched. */
  waitCount(
    pred: (l: Record<string, unknown>) => boolean,
    n: number,
    timeoutMs = 20_000,
  ): Promise<void> {
    const count = (): number => this.lines.filter(pred).length;
    if (count() >= n) return Promise.resolve();
    return this.wait(() => count() >= n, timeoutMs).then(() => undefined);
  }

  /** Resolves with the first line (past or future) that matches. */
  wait(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`log line not seen in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(t);
          resolve(l);
        },
      });
    });
  }
}

/** Write system calls process `pid` has made so far, as the kernel counts them (`syscw`). */
export function writeCalls(pid: number): number {
  const m = /^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  if (!m) throw new Error(`no syscw in /proc/${pid}/io`);
  return Number(m[1]);
}
