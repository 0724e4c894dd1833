import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, exited, freePort, killAndWait, tmpDir, track } from '../helpers/processes.js';
import { toolPath } from '../helpers/tools.js';
import { eventually } from '../helpers/eventually.js';

export type BalancerKind = 'nginx' | 'haproxy';

/** The config files docker-compose.yml mounts; the tests render these very files. */
export const CONFIG_FILES: Record<BalancerKind, string> = {
  nginx: path.join(ROOT, 'deploy/nginx.conf'),
  haproxy: path.join(ROOT, 'deploy/haproxy.cfg'),
};

/** Instance ids the repo's configs route to; instance N (1-based) listens on ports[N-1]. */
export const INSTANCE_IDS = ['chat-1', 'chat-2', 'chat-3'] as const;

/** Replaces every match of `re`, insisting on exactly `count` of them (the file's shape). */
function replaceExactly(
  text: string,
  re: RegExp,
  count: number,
  by: (...groups: string[]) => string,
): string {
  let seen = 0;
  const out = text.replace(re, (_m, ...rest: unknown[]) => {
    seen++;
    return by(...rest.filter((g): g is string => typeof g === 'string'));
  });
  if (seen !== count) {
    throw new Error(`expected ${count} matches of ${String(re)} in the config, found ${seen}`);
  }
  return out;
}

function portOf(ports: number[], n: string): number {
  const p = ports[Number(n) - 1];
  if (p === undefined) throw new Error(`no port for instance chat-${n}`);
  return p;
}

/**
 * deploy/nginx.conf for loopback: upstream `server chat-N:3000` lines point at the test
 * instances, the listener at a free loopback port, the access log into a file, and the
 * temp directories (compiled-in
 * paths under /var/lib/nginx) into the test's own directory. Nothing else changes.
 */
export function renderNginx(source: string, ports: number[], lbPort: number, dir: string): string {
  let conf = replaceExactly(
    source,
    /server chat-(\d+):3000/g,
    2 * INSTANCE_IDS.length,
    (n) => `server 127.0.0.1:${portOf(ports, n)}`,
  );
  conf = replaceExactly(
    conf,
    /listen 3000 backlog=4096;/g,
    1,
    () => `listen 127.0.0.1:${lbPort} backlog=4096;`,
  );
  // A child's stdout here is a socket, which nginx cannot open() as /dev/stdout.
  conf = replaceExactly(
    conf,
    /access_log \/dev\/stdout chat;/g,
    1,
    () => `access_log ${path.join(dir, 'access.log')} chat;`,
  );
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `    ${t}_temp_path ${path.join(dir, t)};`)
    .join('\n');
  conf = replaceExactly(conf, /^http \{$/m, 1, () => `http {\n${temps}`);
  return conf;
}

/**
 * deploy/haproxy.cfg for loopback: `server chat-N chat-N:3000` lines point at the test
 * instances and the frontend binds a free loopback port. Nothing else changes.
 */
export function renderHaproxy(source: string, ports: number[], lbPort: number): string {
  let conf = replaceExactly(
    source,
    /server chat-(\d+) chat-\d+:3000/g,
    INSTANCE_IDS.length,
    (n) => `server chat-${n} 127.0.0.1:${portOf(ports, n)}`,
  );
  conf = replaceExactly(conf, /bind :3000$/gm, 1, () => `bind 127.0.0.1:${lbPort}`);
  return conf;
}

/** One access-log line of the balancer: what was asked, the answer, and who answered. */
export interface AccessEntry {
  status: number;
  uri: string;
  /** nginx: the upstream address; HAProxy: backend/server. */
  upstream: string;
  line: string;
}

const NGINX_LINE = /"[A-Z]+ (\S+) HTTP\/[\d.]+" (\d{3}) \d+ upstream=(\S*)/;
const HAPROXY_LINE = /\] (-?\d+) -?\d+ (\S+) "[A-Z]+ (\S+) HTTP\/[\d.]+"/;

export function parseAccess(kind: BalancerKind, line: string): AccessEntry | undefined {
  if (kind === 'nginx') {
    const m = NGINX_LINE.exec(line);
    return m ? { uri: m[1]!, status: Number(m[2]), upstream: m[3]!, line } : undefined;
  }
  const m = HAPROXY_LINE.exec(line);
  return m ? { status: Number(m[1]), upstream: m[2]!, uri: m[3]!, line } : undefined;
}

/** A real nginx or HAProxy, in the foreground, with the repo's config rendered for loopback. */
export class Balancer {
  private readonly logged: AccessEntry[] = [];
  readonly output: string[] = [];
  private proc!: ChildProcess;

  private constructor(
    readonly kind: BalancerKind,
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.proc.pid ?? 0;
  }

  static async start(kind: BalancerKind, ports: number[]): Promise<Balancer> {
    toolPath(kind); // fails naming the package when it is missing
    const b = new Balancer(kind, await freePort(), tmpDir(kind));
    await b.launch(ports);
    return b;
  }

  private async launch(ports: number[]): Promise<void> {
    const source = readFileSync(CONFIG_FILES[this.kind], 'utf8');
    const pidFile = path.join(this.dir, `${this.kind}.pid`);
    let args: string[];
    if (this.kind === 'nginx') {
      const conf = path.join(this.dir, 'nginx.conf');
      writeFileSync(conf, renderNginx(source, ports, this.port, this.dir));
      mkdirSync(path.join(this.dir, 'logs'), { recursive: true });
      args = ['-e', 'stderr', '-p', this.dir, '-c', conf, '-g', `daemon off; pid ${pidFile};`];
    } else {
      const conf = path.join(this.dir, 'haproxy.cfg');
      writeFileSync(conf, renderHaproxy(source, ports, this.port));
      args = ['-db', '-f', conf, '-p', pidFile];
    }
    this.proc = track(spawn(toolPath(this.kind), args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    for (const stream of [this.proc.stdout!, this.proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.output.push(line);
        const entry = parseAccess(this.kind, line);
        if (entry) this.logged.push(entry);
      });
    }
    const failed = exited(this.proc).then(({ code, signal }) => {
      throw new Error(
        `${this.kind} exited (${code ?? signal}) before it was ready:\n${this.output.slice(-10).join('\n')}`,
      );
    });
    await Promise.race([this.waitHealthy(15_000), failed]);
  }

  /** Resolves once /healthz answers 200 through the balancer (polled, with a deadline). */
  async waitHealthy(timeoutMs: number): Promise<void> {
    await eventually(
      async () => {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`/healthz answered ${res.status}`);
      },
      { what: `${this.kind} healthy`, timeoutMs },
    );
  }

  /** Every request the balancer has logged so far, oldest first. */
  get access(): AccessEntry[] {
    if (this.kind === 'haproxy') return this.logged;
    let text = '';
    try {
      text = readFileSync(path.join(this.dir, 'access.log'), 'utf8');
    } catch {
      // nothing logged yet
    }
    return text
      .split('\n')
      .map((l) => parseAccess('nginx', l))
      .filter((e): e is AccessEntry => e !== undefined);
  }

  /** The instance id a request with this Engine.IO sid must reach. */
  static sidInstance(uri: string): string | undefined {
    const sid = new URL(uri, 'http://x').searchParams.get('sid');
    return sid?.split('.')[0];
  }

  /**
   * SIGTERM (by PID) and wait: nginx's master then stops its workers, which SIGKILL would
   * leave running. SIGKILL only if it has not exited in 5 s.
   */
  async stop(): Promise<void> {
    const done = exited(this.proc);
    const t = setTimeout(() => void killAndWait(this.proc, 'SIGKILL'), 5000);
    await killAndWait(this.proc, 'SIGTERM');
    await done;
    clearTimeout(t);
  }
}
