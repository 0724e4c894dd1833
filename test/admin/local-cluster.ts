import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TEST_ENV } from '../helpers/cluster.js';
import { SERVER_MAIN, exited, freePort, killAndWait, tmpDir, track } from '../helpers/processes.js';

/**
 * `chat-server start`: the local cluster (private Redis, supervised instances that come back
 * when they exit, one public port). Its admin token is in its state dir's token file, which
 * `chat-admin` finds by itself for a server on this machine.
 */
export class LocalCluster {
  proc!: ChildProcess;
  url = '';
  /** The private Redis (its Unix socket's path), from the banner. */
  redisUrl = '';
  readonly out: string[] = [];

  private constructor(readonly stateDir: string) {}

  /** Every pid the banner names: instances, Redis, its watchdog, the supervisor. */
  get pids(): number[] {
    return [...this.out.join('\n').matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
  }

  static async start(
    instances = 3,
    env: Record<string, string> = {},
    stateDir = tmpDir('cluster'),
    /** More `chat-server start` flags (e.g. `--redis-cluster host:port,...`). */
    args: string[] = [],
  ): Promise<LocalCluster> {
    const c = new LocalCluster(stateDir);
    const port = await freePort();
    const inherited: NodeJS.ProcessEnv = { ...process.env, ...TEST_ENV };
    delete inherited.CHAT_ADMIN_TOKEN;
    delete inherited.REDIS_URL;
    const childEnv: NodeJS.ProcessEnv = {
      ...inherited,
      LOG_LEVEL: 'warn',
      CHAT_STATE_DIR: c.stateDir,
      ...env,
    };
    c.proc = track(
      spawn(
        process.execPath,
        [SERVER_MAIN, 'start', '--port', String(port), '--instances', String(instances), ...args],
        { env: childEnv, stdio: ['ignore', 'pipe', 'inherit'], detached: false },
      ),
    );
    const lines = createInterface({ input: c.proc.stdout! });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('local cluster not ready in 30 s')), 30_000);
      void exited(c.proc).then(({ code }) => reject(new Error(`chat-server start exited ${code}`)));
      lines.on('line', (line) => {
        c.out.push(line);
        const m = /cluster ready on (http:\/\/\S+)/.exec(line);
        if (m) c.url = m[1]!;
        const r = /^\s+redis\s+pid \d+\s+(\S+)/.exec(line);
        if (r) c.redisUrl = r[1]!;
        if (/state in /.test(line)) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    return c;
  }

  /** Stops it as Ctrl-C would (instances and private Redis too); SIGKILL if it hangs. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const done = exited(this.proc);
    this.proc.kill('SIGINT');
    const t = setTimeout(() => void killAndWait(this.proc, 'SIGKILL'), 25_000);
    await done;
    clearTimeout(t);
  }
}
