import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tmpDir } from '../helpers/processes.js';
import { needs, toolPath } from '../helpers/tools.js';
import { INSTANCE_IDS } from './balancer.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Record<string, Json>;

const TOKEN = 'compose-test-admin-token-0123456789';
const DRAIN_GRACE_MS = 8000;

function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string } = {},
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`${cmd} did not start: ${r.error.message}`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** YAML to JSON with python3-yaml (a dependency of Debian's docker-compose package). */
function yamlDocs(text: string): Obj[] {
  const r = run(
    toolPath('python3-yaml'),
    [
      '-c',
      'import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d is not None]))',
    ],
    { input: text },
  );
  if (r.code !== 0) throw new Error(`YAML did not parse: ${r.stderr}`);
  return JSON.parse(r.stdout) as Obj[];
}

const obj = (v: Json | undefined, what: string): Obj => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new Error(`${what} is not a mapping: ${JSON.stringify(v)}`);
  }
  return v;
};

const arr = (v: Json | undefined, what: string): Json[] => {
  if (!Array.isArray(v)) throw new Error(`${what} is not a list: ${JSON.stringify(v)}`);
  return v;
};

const str = (v: Json | undefined): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return `${v}`;
  throw new Error(`not a scalar: ${JSON.stringify(v)}`);
};

const strs = (v: Json | undefined, what: string): string => arr(v, what).map(str).join(' ');

/** A compose volume, short ("src:target:mode") or long syntax, as {source, target}. */
function mount(v: Json): { source: string; target: string } {
  if (typeof v === 'string') {
    const [source = '', target = ''] = v.split(':');
    return { source, target };
  }
  const m = obj(v, 'volume');
  return { source: str(m.source), target: str(m.target) };
}

/** "20s", "1m30s", "500ms" to milliseconds. */
function durationMs(v: Json | undefined): number {
  const s = str(v);
  let ms = 0;
  for (const [, n, unit] of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    ms += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  }
  if (ms === 0) throw new Error(`not a duration: ${s}`);
  return ms;
}

/** `docker-compose config` (Debian's docker-compose, no engine needed) with a clean env file. */
function composeConfig(files: string[], env: Record<string, string>): ReturnType<typeof run> {
  const envFile = path.join(tmpDir('compose'), 'empty.env');
  writeFileSync(envFile, '');
  const clean: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
  return run(
    'docker-compose',
    ['--env-file', envFile, ...files.flatMap((f) => ['-f', f]), 'config'],
    { env: clean },
  );
}

describe('docker-compose.yml', () => {
  it('is valid for `docker-compose config -q`', needs('docker-compose'), () => {
    const envFile = path.join(tmpDir('compose'), 'empty.env');
    writeFileSync(envFile, '');
    const r = run('docker-compose', ['--env-file', envFile, 'config', '-q'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CHAT_ADMIN_TOKEN: TOKEN },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it(
    'refuses to render without CHAT_ADMIN_TOKEN, naming .env.example',
    needs('docker-compose'),
    () => {
      const r = composeConfig(['docker-compose.yml'], {});
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/CHAT_ADMIN_TOKEN.*\.env\.example/);
      expect(existsSync(path.join(ROOT, '.env.example'))).toBe(true);
      expect(readFileSync(path.join(ROOT, '.env.example'), 'utf8')).toMatch(/^CHAT_ADMIN_TOKEN=/m);
      // .env holds the real token and is never committed.
      expect(run('git', ['check-ignore', '-q', '.env']).code).toBe(0);
    },
  );

  it(
    'has Redis with AOF on a volume, three distinct instances and the balancer on 3000',
    needs('docker-compose', 'python3-yaml'),
    () => {
      const r = composeConfig(['docker-compose.yml'], { CHAT_ADMIN_TOKEN: TOKEN });
      expect(r.code, r.stderr).toBe(0);
      const [config] = yamlDocs(r.stdout);
      const services = obj(config!.services, 'services');
      expect(Object.keys(services).sort()).toEqual(['chat-1', 'chat-2', 'chat-3', 'lb', 'redis']);

      const redis = obj(services.redis, 'redis');
      expect(strs(redis.command, 'redis command')).toContain('--appendonly yes');
      expect(arr(redis.volumes, 'redis volumes').map(mount)).toContainEqual({
        source: 'redis-data',
        target: '/data',
      });
      expect(Object.keys(obj(config!.volumes, 'volumes'))).toContain('redis-data');

      const ids = new Set<string>();
      for (const id of INSTANCE_IDS) {
        const s = obj(services[id], id);
        const env = obj(s.environment, `${id} environment`);
        ids.add(str(env.CHAT_INSTANCE_ID));
        expect(env.CHAT_INSTANCE_ID).toBe(id);
        expect(env.CHAT_ADMIN_TOKEN).toBe(TOKEN);
        expect(env.REDIS_URL).toBe('redis://redis:6379');
        expect(env.CHAT_TRUST_PROXY).toBe('1');
        expect(s.restart).toBe('unless-stopped');
        const hc = obj(s.healthcheck, `${id} healthcheck`);
        expect(strs(hc.test, 'healthcheck test')).toContain('/readyz');
        const grace = Number(env.CHAT_DRAIN_GRACE_MS ?? DRAIN_GRACE_MS);
        expect(durationMs(s.stop_grace_period)).toBeGreaterThan(grace + 2000);
        expect(obj(s.build, `${id} build`).context).toBe(ROOT.replace(/\/$/, ''));
      }
      expect(ids.size).toBe(3);

      const lb = obj(services.lb, 'lb');
      const port = obj(arr(lb.ports, 'lb ports')[0], 'lb port');
      expect({ published: Number(port.published), target: Number(port.target) }).toEqual({
        published: 3000,
        target: 3000,
      });
      expect(arr(lb.volumes, 'lb volumes').map(mount)).toContainEqual({
        source: path.join(ROOT, 'deploy/nginx.conf'),
        target: '/etc/nginx/nginx.conf',
      });
    },
  );

  it(
    'switches to HAProxy with deploy/compose.haproxy.yml, mounting deploy/haproxy.cfg',
    needs('docker-compose', 'python3-yaml'),
    () => {
      const r = composeConfig(['docker-compose.yml', 'deploy/compose.haproxy.yml'], {
        CHAT_ADMIN_TOKEN: TOKEN,
      });
      expect(r.code, r.stderr).toBe(0);
      const lb = obj(obj(yamlDocs(r.stdout)[0]!.services, 'services').lb, 'lb');
      expect(str(lb.image)).toMatch(/^haproxy:/);
      expect(arr(lb.volumes, 'lb volumes').map(mount)).toContainEqual({
        source: path.join(ROOT, 'deploy/haproxy.cfg'),
        target: '/usr/local/etc/haproxy/haproxy.cfg',
      });
    },
  );

  it('names the same instances as the balancer configs route to', () => {
    const nginx = readFileSync(path.join(ROOT, 'deploy/nginx.conf'), 'utf8');
    const haproxy = readFileSync(path.join(ROOT, 'deploy/haproxy.cfg'), 'utf8');
    for (const id of INSTANCE_IDS) {
      expect(nginx).toContain(`server ${id}:3000`);
      expect(nginx).toMatch(new RegExp(`~\\^${id}\\\\\\.\\s`));
      expect(haproxy).toContain(`server ${id} ${id}:3000`);
      expect(haproxy).toContain(`use-server ${id} if { url_param(sid) -m beg ${id}. }`);
    }
  });

  it(
    'runs on a Redis Cluster with deploy/compose.redis-cluster.yml: six nodes, one join, instances on REDIS_CLUSTER_NODES',
    needs('docker-compose', 'python3-yaml'),
    () => {
      const r = composeConfig(['docker-compose.yml', 'deploy/compose.redis-cluster.yml'], {
        CHAT_ADMIN_TOKEN: TOKEN,
      });
      expect(r.code, r.stderr).toBe(0);
      const services = obj(yamlDocs(r.stdout)[0]!.services, 'services');
      const nodes = ['redis', 'redis-2', 'redis-3', 'redis-4', 'redis-5', 'redis-6'];
      const addresses: string[] = [];
      for (const name of nodes) {
        const s = obj(services[name], name);
        const command = strs(s.command, `${name} command`);
        expect(command).toContain('--cluster-enabled yes');
        expect(command).toContain('--appendonly yes');
        const net = obj(obj(s.networks, `${name} networks`).redis, `${name} redis network`);
        addresses.push(str(net.ipv4_address));
        expect(arr(s.volumes, `${name} volumes`).map(mount)[0]?.target).toBe('/data');
      }
      expect(new Set(addresses).size).toBe(6);
      const init = obj(services['redis-init'], 'redis-init');
      const join = strs(init.command, 'redis-init command');
      expect(join).toContain('--cluster create');
      expect(join).toContain('--cluster-replicas 1');
      for (const a of addresses) expect(join).toContain(`${a}:6379`);
      for (const id of INSTANCE_IDS) {
        const s = obj(services[id], id);
        const env = obj(s.environment, `${id} environment`);
        expect(env.CHAT_INSTANCE_ID).toBe(id);
        expect(env.REDIS_URL).toBe('');
        const seeds = str(env.REDIS_CLUSTER_NODES).split(',');
        expect(seeds.length).toBeGreaterThanOrEqual(3);
        for (const seed of seeds) expect(addresses.map((a) => `${a}:6379`)).toContain(seed);
        expect(obj(obj(s.depends_on, `${id} depends_on`)['redis-init'], 'init dep').condition).toBe(
          'service_completed_successfully',
        );
      }
    },
  );
});

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerInstructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l);
      return { op: (m?.[1] ?? l).toUpperCase(), args: m?.[2] ?? '' };
    });
}

describe('Dockerfile', () => {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const all = dockerInstructions(text);
  const lastFrom = all.map((i) => i.op).lastIndexOf('FROM');
  const final = all.slice(lastFrom);
  const args = new Map(
    all
      .filter((i) => i.op === 'ARG')
      .map((i) => i.args.split('=') as [string, string])
      .filter((kv) => kv.length === 2),
  );
  const image = (from: string): string =>
    from.split(/\s+/)[0]!.replace(/^\$\{(\w+)\}$/, (_m, name: string) => args.get(name) ?? '');

  it('is multi-stage on a Node 20 image', () => {
    const froms = all.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(image(f.args)).toMatch(/^node:20([.-]|$)/);
  });

  it('installs production dependencies only into the final image', () => {
    const runs = all.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
    // The final stage installs nothing itself; it copies node_modules from the prod stage.
    expect(final.filter((i) => i.op === 'RUN' && /npm (ci|install)/.test(i.args))).toEqual([]);
    const copied = final.filter((i) => i.op === 'COPY' && i.args.includes('node_modules'));
    expect(copied).toHaveLength(1);
    const stage = /--from=(\S+)/.exec(copied[0]!.args)?.[1];
    const stageFrom = all.find((i) => i.op === 'FROM' && i.args.endsWith(` AS ${stage}`));
    const stageStart = all.indexOf(stageFrom!);
    const stageRuns = all
      .slice(stageStart + 1)
      .slice(
        0,
        all.slice(stageStart + 1).findIndex((i) => i.op === 'FROM'),
      )
      .filter((i) => i.op === 'RUN');
    expect(stageRuns.map((r) => r.args).join('\n')).toMatch(/npm ci\b.*--omit=dev/);
  });

  it('runs as a non-root user', () => {
    const users = final.filter((i) => i.op === 'USER').map((i) => i.args.trim());
    expect(users.length).toBeGreaterThanOrEqual(1);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  });

  it('runs `chat-server instance` in exec form, so node gets SIGTERM and drains', () => {
    const entry = final.filter((i) => i.op === 'ENTRYPOINT').at(-1);
    const cmd = final.filter((i) => i.op === 'CMD').at(-1);
    const exec = (s: string | undefined): string[] => JSON.parse(s ?? 'null') as string[];
    const argv = [...exec(entry?.args), ...exec(cmd?.args)];
    expect(argv).toEqual(['node', 'bin/chat-server.js', 'instance']);
    expect(readFileSync(path.join(ROOT, 'bin/chat-server.js'), 'utf8')).toContain(
      'dist/server/main.js',
    );
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin['chat-server']).toBe('bin/chat-server.js');
    const stop = final.find((i) => i.op === 'STOPSIGNAL');
    expect(stop?.args ?? 'SIGTERM').toBe('SIGTERM');
    expect(final.find((i) => i.op === 'HEALTHCHECK')?.args).toContain('/readyz');
  });

  it('has a .dockerignore that keeps secrets and build output out of the context', () => {
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['.env', 'node_modules', 'dist', '.git']) expect(ignore).toContain(p);
  });
});

describe('deploy/k8s', needs('python3-yaml'), () => {
  const dir = path.join(ROOT, 'deploy/k8s');
  // Parsed when a test asks (not while collecting, so a missing python3-yaml only skips).
  let docs: Obj[] | undefined;
  const kind = (k: string): Obj => {
    docs ??= readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => yamlDocs(readFileSync(path.join(dir, f), 'utf8')));
    const d = docs.find((x) => x.kind === k);
    if (!d) throw new Error(`no ${k} in deploy/k8s`);
    return d;
  };

  it('has a Deployment with /readyz readiness, a preStop pause and a long enough grace', () => {
    const pod = obj(obj(obj(kind('Deployment').spec, 'spec').template, 'template').spec, 'pod');
    const c = obj(arr(pod.containers, 'containers')[0], 'container');
    expect(obj(obj(c.readinessProbe, 'readiness').httpGet, 'httpGet').path).toBe('/readyz');
    const preStop = obj(obj(c.lifecycle, 'lifecycle').preStop, 'preStop');
    const pause = arr(obj(preStop.exec, 'exec').command, 'command');
    expect(pause[0]).toBe('sleep');
    const env = arr(c.env, 'env').map((e) => obj(e, 'env'));
    const grace = Number(env.find((e) => e.name === 'CHAT_DRAIN_GRACE_MS')?.value ?? 8000);
    expect(Number(pod.terminationGracePeriodSeconds) * 1000).toBeGreaterThan(
      Number(pause[1]) * 1000 + grace + 2000,
    );
    expect(env.find((e) => e.name === 'CHAT_INSTANCE_ID')).toBeDefined();
    expect(c.args).toEqual(['instance']);
  });

  it('has a Service selecting the Deployment pods', () => {
    const svc = obj(kind('Service').spec, 'spec');
    const dep = obj(obj(kind('Deployment').spec, 'spec').selector, 'selector');
    expect(svc.selector).toEqual(dep.matchLabels);
    expect(existsSync(path.join(dir, 'README.md'))).toBe(true);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toMatch(/## Redis/);
  });
});
