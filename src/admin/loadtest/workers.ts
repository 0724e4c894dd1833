import { fork, type ChildProcess } from 'node:child_process';
import { distEntry } from '../../shared/package-files.js';
import type { FromWorker, Progress, ToWorker } from './messages.js';

const WORKER_MAIN = distEntry('admin/loadtest/worker.js');

/**
 * Node options for the workers: a larger young generation (a worker allocates a little for
 * each of ~10k deliveries a second, and with the default 16 MB semi-spaces the scavenger
 * copies the users' live state over and over: about a sixth less CPU measured with 32 MB),
 * then CHAT_LOADTEST_NODE_ARGS (space-separated), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
 * to profile the virtual users.
 */
export function workerExecArgv(env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env.CHAT_LOADTEST_NODE_ARGS ?? '').split(/\s+/).filter((a) => a.length > 0);
  return ['--max-semi-space-size=32', ...extra];
}

type Of<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/** One forked worker process and the messages it sends. */
export class WorkerHandle {
  readonly proc: ChildProcess;
  progress: Progress | undefined;
  private readonly waiters = new Map<string, (m: FromWorker) => void>();
  private exitReason: string | undefined;

  constructor(readonly index: number) {
    this.proc = fork(WORKER_MAIN, [], {
      execArgv: workerExecArgv(),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.proc.on('message', (raw) => {
      const msg = raw as FromWorker;
      if (msg.type === 'progress') this.progress = msg.progress;
      if (msg.type === 'error') this.exitReason = `worker ${index}: ${msg.message}`;
      this.waiters.get(msg.type)?.(msg);
    });
    this.proc.once('exit', (code, signal) => {
      this.exitReason ??= `worker ${index} exited (${signal ?? code})`;
    });
  }

  send(msg: ToWorker): void {
    if (this.proc.connected) this.proc.send(msg);
  }

  /** The next message of a type, or an error if the worker dies or is too slow. */
  next<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Of<T>> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error, msg?: FromWorker): void => {
        clearTimeout(timer);
        this.waiters.delete(type);
        this.proc.off('exit', onExit);
        if (err) reject(err);
        else resolve(msg as Of<T>);
      };
      const timer = setTimeout(
        () => done(new Error(`worker ${this.index}: no ${type} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onExit = (): void =>
        done(new Error(this.exitReason ?? `worker ${this.index} exited before ${type}`));
      this.proc.once('exit', onExit);
      this.waiters.set(type, (m) => done(undefined, m));
    });
  }

  /** Asks the worker to close its users and exit; kills it (by pid) if it does not. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.send({ type: 'close' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
