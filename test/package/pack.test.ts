import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ROOT,
  alive,
  exited,
  freePort,
  killAll,
  runToEnd,
  tmpDir,
  track,
  type Run,
} from '../helpers/processes.js';
import { eventually } from '../helpers/eventually.js';

/** The clean checkout, the tarball and its installed tree (with its dependencies). */
let work = '';

afterAll(async () => {
  await killAll();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs a program to its end with `input` on stdin. */
function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input = '',
  cwd?: string,
): Promise<Run> {
  return runToEnd(cmd, args, { env, input, cwd });
}

/** Lines a child prints, and a promise for the first one matching `re`. */
function lineWatch(child: ChildProcess): {
  lines: string[];
  first(re: RegExp, what: string): Promise<string>;
} {
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters.filter((x) => x.re.test(l))) w.resolve(l);
  });
  return {
    lines,
    first: (re, what) =>
      new Promise((resolve, reject) => {
        const hit = lines.find((l) => re.test(l));
        if (hit !== undefined) return resolve(hit);
        waiters.push({ re, resolve });
        void exited(child).then(({ code, signal }) =>
          reject(new Error(`${what}: exited (${code ?? signal}):\n${lines.join('\n')}`)),
        );
      }),
  };
}

/**
 * The package as a user gets it: the committed HEAD packed (`prepack` builds dist/), the
 * tarball installed with `npm install -g --prefix` away from the repo, and the three
 * installed bins run from there against the local cluster's own private Redis.
 */
describe('the npm package', () => {
  it('packs a clean checkout with dist/, installs with npm install -g, and its three bins work', async () => {
    work = tmpDir('pack');
    let t0 = Date.now();
    const took = (what: string): void => {
      console.log(`${what}: ${Date.now() - t0} ms`);
      t0 = Date.now();
    };
    // A clean checkout of what is committed (no dist/, no stray files), built by `prepack`
    // with the repo's dev dependencies (linked: the build needs only tsc and the types).
    const checkout = path.join(work, 'checkout');
    mkdirSync(checkout);
    const archive = execFileSync('git', ['archive', '--format=tar', 'HEAD'], {
      cwd: ROOT,
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', checkout], { input: archive });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
    const clean: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(clean)) if (k.startsWith('npm_')) delete clean[k];
    delete clean.REDIS_URL;
    delete clean.CHAT_ADMIN_TOKEN;
    delete clean.CHAT_SERVER;
    delete clean.CHAT_TUI_CONFIG_DIR;

    const packed = await run(
      'npm',
      ['pack', '--json', '--pack-destination', work],
      clean,
      '',
      checkout,
    );
    expect(packed.code, packed.stderr).toBe(0);
    took('npm pack (prepack builds)');
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = info!.files.map((f) => f.path);
    for (const f of [
      'package.json',
      'bin/chat-server.js',
      'bin/chat-tui.js',
      'bin/chat-admin.js',
      'dist/server/main.js',
      'dist/cli/main.js',
      'dist/admin/main.js',
    ]) {
      expect(files).toContain(f);
    }
    // Nothing of the tests or the sources' build inputs ships.
    expect(files.filter((f) => /^(test|src|bench)\//.test(f))).toEqual([]);

    // A real install away from the repo: dependencies from the registry (the npm cache
    // first), the bins linked into <prefix>/bin.
    const prefix = path.join(work, 'prefix');
    const away = path.join(work, 'away');
    mkdirSync(away);
    const install = await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        path.join(work, info!.filename),
      ],
      clean,
      '',
      away,
    );
    expect(install.code, install.stderr).toBe(0);
    took('npm install -g --prefix');
    const bin = (name: string): string => path.join(prefix, 'bin', name);

    // A user's machine: its own HOME, config and state directories.
    const home = path.join(work, 'home');
    mkdirSync(home);
    const env: NodeJS.ProcessEnv = {
      ...clean,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_STATE_HOME: path.join(home, '.local/state'),
      CHAT_STATE_DIR: path.join(work, 'state'),
      LOG_FORMAT: 'json',
    };

    // chat-server start: its private Redis and 3 instances behind one port.
    const port = await freePort();
    const server = track(
      spawn(bin('chat-server'), ['start', '--port', String(port)], {
        env,
        cwd: away,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    server.stderr!.resume();
    const watch = lineWatch(server);
    await watch.first(/Ctrl-C stops everything/, 'chat-server start');
    took('chat-server start until ready');
    const banner = watch.lines.join('\n');
    const url = `http://127.0.0.1:${port}`;
    expect(banner).toContain(`${url} (3 instances)`);
    const pids = [...banner.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBeGreaterThanOrEqual(5);

    // chat-tui: log in (a new account), send, and read it back with tail --json.
    const tui = bin('chat-tui');
    const login = await run(
      tui,
      ['login', '--user', 'packed', '--password-stdin', '--server', url],
      env,
      'packed-pw-1\n',
    );
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(`registered a new account "packed" on ${url}`);
    const sent = await run(tui, ['send', '--server', url, 'lobby', 'hello from the tarball'], env);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^\d+-\d+\n$/);
    const tail = track(
      spawn(tui, ['tail', '--server', url, 'lobby', '--json'], { env, stdio: 'pipe' }),
    );
    tail.stderr!.resume();
    const line = await lineWatch(tail).first(/hello from the tarball/, 'chat-tui tail');
    expect(JSON.parse(line)).toMatchObject({
      id: sent.stdout.trim(),
      room: 'lobby',
      from: 'packed',
      text: 'hello from the tarball',
    });
    tail.kill('SIGINT');
    expect((await exited(tail)).code).toBe(0);

    // chat-admin: finds the cluster and its token through the state directory.
    const status = await run(bin('chat-admin'), ['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    const doc = JSON.parse(status.stdout) as { instances: unknown[] };
    expect(doc.instances).toHaveLength(3);

    // Ctrl-C (SIGINT to the job's process group): everything it started is gone.
    process.kill(-server.pid!, 'SIGINT');
    const { code, signal } = await exited(server);
    expect(code === 0 || signal === 'SIGINT', `exit ${code ?? signal}`).toBe(true);
    // Every process it started is gone: not our children, so there is no exit event to
    // await; poll with a deadline.
    await eventually(() => expect(pids.filter(alive)).toEqual([]), {
      what: 'every process it started gone',
      timeoutMs: 30_000,
    });
  }, 300_000);
});
