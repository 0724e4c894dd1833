import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { login } from '../../src/client/api.js';
import { ChatClient } from '../../src/client/chat-client.js';
import { ROOT, alive, exited, freePort, killAll, tmpDir, track } from '../helpers/processes.js';
import { eventually } from '../helpers/eventually.js';
import { TestRedis } from '../helpers/redis.js';

afterAll(killAll);

/** util-linux `script` gives the built bin a real pseudo-terminal. */
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs `chat-server start` to its end (for the ways it refuses to start). */
async function runStart(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_FORMAT: 'json', ...env };
  delete childEnv.CHAT_ADMIN_TOKEN;
  delete childEnv.REDIS_URL;
  const child = track(
    spawn(process.execPath, [path.join(ROOT, 'bin/chat-server.js'), 'start', ...args], {
      env: childEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const { code } = await exited(child);
  return { code, stderr };
}

describe('npm start: the local cluster', () => {
  it('brings up 3 instances and a private Redis behind one port; Ctrl-C leaves no process behind', async () => {
    const port = await freePort();
    const state = tmpDir('state');
    // A state directory that already exists, open to others: start makes it private.
    chmodSync(state, 0o755);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      CHAT_STATE_DIR: state,
      LOG_FORMAT: 'json',
    };
    delete env.CHAT_ADMIN_TOKEN;
    delete env.REDIS_URL;
    // Its own process group, like a shell job: Ctrl-C is SIGINT to the whole group.
    const npm = track(
      spawn('npm', ['start', '--silent'], {
        cwd: ROOT,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const lines: string[] = [];
    const banner = new Promise<void>((resolve, reject) => {
      createInterface({ input: npm.stdout! }).on('line', (l) => {
        lines.push(l);
        if (l.includes('Ctrl-C stops everything')) resolve();
      });
      void exited(npm).then(({ code }) =>
        reject(new Error(`npm start exited (${code}): ${lines.join('\n')}`)),
      );
    });
    npm.stderr!.resume();
    await banner;
    const text = lines.join('\n');
    expect(text).toContain(`http://127.0.0.1:${port} (3 instances)`);
    const pids = [...text.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(6); // chat-1..3, redis-server, its watchdog and the supervisor
    for (const id of ['chat-1', 'chat-2', 'chat-3']) expect(text).toContain(id);
    expect(statSync(path.join(state, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(statSync(state).mode & 0o777).toBe(0o700);

    // A second start on the same state directory is refused while its cluster runs, by pid,
    // with a Redis of its own too: the console's URL and the instances' ids stay the first's.
    const supervisorPid = Number(/supervisor pid (\d+)/.exec(text)?.[1]);
    const urlFile = path.join(state, 'server-url');
    const recorded = readFileSync(urlFile, 'utf8');
    for (const extra of [[], ['--redis', 'redis://127.0.0.1:1']]) {
      const second = await runStart(['--port', String(await freePort()), ...extra], {
        CHAT_STATE_DIR: state,
      });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `a local cluster already runs from ${state} (chat-server pid ${supervisorPid}, http://127.0.0.1:${port})`,
      );
    }
    expect(readFileSync(urlFile, 'utf8')).toBe(recorded);

    // It serves chat through the one port, spread over the instances.
    const url = `http://127.0.0.1:${port}`;
    const seen = new Set<string>();
    const clients: ChatClient[] = [];
    for (let i = 0; i < 6; i++) {
      const { token } = await login(url, `starter${i}`, 'password-1');
      const c = new ChatClient({ servers: [url], token, pingEveryMs: 0 });
      seen.add((await c.connect()).instanceId);
      await c.join('start');
      clients.push(c);
    }
    expect(seen.size).toBe(3);

    // Every connection through the front port is handed over intact and connects at the
    // first try (a packet swallowed in the hand-off shows as a connect timing out, then a retry).
    const tokens = await Promise.all(
      clients.map((c, i) => login(url, `starter${i}`, 'password-1')),
    );
    let retried = 0;
    const crowd: ChatClient[] = [];
    for (let batch = 0; batch < 4; batch++) {
      // 250 at once: the hand-off window is widest when the supervisor is busy.
      const more = Array.from(
        { length: 250 },
        (_, k) =>
          new ChatClient({
            servers: [url],
            token: tokens[k % tokens.length]!.token,
            pingEveryMs: 0,
          }),
      );
      for (const c of more) c.on('state', (st) => void (st.kind === 'reconnecting' && retried++));
      await Promise.all(more.map((c) => c.connect()));
      crowd.push(...more);
    }
    expect(retried).toBe(0);
    for (const c of crowd) c.close();
    expect((await clients[0]!.send('start', 'hello')).state).toBe('sent');
    for (const c of clients) c.close();

    process.kill(-npm.pid!, 'SIGINT');
    const t0 = Date.now();
    const { code, signal } = await exited(npm);
    // npm itself dies of the SIGINT once its child (the supervisor) is done.
    expect(code === 0 || signal === 'SIGINT').toBe(true);
    console.log(`stopped ${Date.now() - t0} ms after Ctrl-C`);
    // Every process it started is gone: not our children, so there is no exit event to
    // await; poll with a deadline.
    await eventually(() => expect(pids.filter(alive)).toEqual([]), {
      what: 'every process it started gone',
      timeoutMs: 30_000,
    });
    // The state directory is free for the next start.
    expect(existsSync(path.join(state, 'cluster.lock'))).toBe(false);
  });

  it.skipIf(!hasScript)(
    'in a terminal keeps its banner last while clients come: log lines go to the log file, warnings still show',
    async () => {
      const port = await freePort();
      const state = tmpDir('quiet');
      const env: NodeJS.ProcessEnv = { ...process.env, CHAT_STATE_DIR: state };
      delete env.CHAT_ADMIN_TOKEN;
      delete env.REDIS_URL;
      delete env.LOG_FORMAT;
      // util-linux `script` runs it on a pseudo-terminal: stdout and stderr are one screen,
      // as in a terminal tab, and Ctrl-C typed there reaches the whole job.
      const cmd = `exec ${process.execPath} ${path.join(ROOT, 'bin/chat-server.js')} start --port ${port}`;
      const term = track(
        spawn('script', ['-qfec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] }),
      );
      let screen = '';
      term.stdout!.on('data', (d: Buffer) => (screen += d.toString()));
      await eventually(() => expect(screen).toContain('Ctrl-C stops everything'), {
        what: 'the banner',
        timeoutMs: 30_000,
      });
      const banner = stripVTControlCharacters(screen);
      const pids = [...banner.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
      const logFile = path.join(state, 'cluster.log');
      const after = (): string =>
        stripVTControlCharacters(screen.slice(screen.lastIndexOf('Ctrl-C stops everything')));

      try {
        // A client logs in and chats: the instance's lines about it go to the file, not here.
        const url = `http://127.0.0.1:${port}`;
        const { token } = await login(url, 'quiet1', 'password-1');
        const client = new ChatClient({ servers: [url], token, pingEveryMs: 0 });
        await client.connect();
        await client.join('quiet');
        expect((await client.send('quiet', 'hello')).state).toBe('sent');
        client.close();
        const logged = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
        await eventually(
          () => expect(`${after()}${logged()}`).toMatch(/"msg":"login"|INFO.*login/),
          { what: 'the login logged' },
        );
        expect(after().trim()).toBe('Ctrl-C stops everything');
        expect(banner).toContain(`logs in ${logFile}`);
        expect(logged()).toContain('"msg":"instance ready"');

        // A warning (a wrong password) still shows on the terminal.
        await expect(login(url, 'quiet1', 'wrong-password')).rejects.toThrow();
        await eventually(() => expect(after()).toMatch(/WARN.*failed login/), {
          what: 'the failed login shown',
        });

        term.stdin!.write('\x03'); // Ctrl-C
        await exited(term);
        expect(after()).toContain('stopping: the instances drain their clients');
        await eventually(() => expect(pids.filter(alive)).toEqual([]), {
          what: 'every process it started gone',
          timeoutMs: 30_000,
        });
      } finally {
        // Whatever failed, nothing it started outlives the test.
        for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    },
  );

  it.skipIf(!hasScript)(
    'chat-server instance typed in a terminal logs readable lines, and Ctrl-C drains it',
    async () => {
      const redis = await TestRedis.start();
      try {
        const port = await freePort();
        const env: NodeJS.ProcessEnv = { ...process.env, ...redis.env(), CHAT_KEY_PREFIX: 'tty:' };
        delete env.LOG_FORMAT;
        const cmd = `exec ${process.execPath} ${path.join(ROOT, 'bin/chat-server.js')} instance --port ${port} --host 127.0.0.1 --id tty-1`;
        const term = track(
          spawn('script', ['-qfec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] }),
        );
        let screen = '';
        term.stdout!.on('data', (d: Buffer) => (screen += d.toString()));
        await eventually(
          () => expect(stripVTControlCharacters(screen)).toMatch(/INFO.*instance ready/),
          {
            what: 'the instance ready, said in words',
            timeoutMs: 20_000,
          },
        );
        expect(screen).not.toContain('"msg"'); // not JSON
        expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
        term.stdin!.write('\x03'); // Ctrl-C
        expect((await exited(term)).code).toBe(0);
        expect(stripVTControlCharacters(screen)).toMatch(/drain/i);
      } finally {
        await redis.down();
      }
    },
  );

  it('refuses an admin token file that others can read, or a shared state directory, and starts nothing', async () => {
    const state = tmpDir('state');
    const file = path.join(state, 'admin-token');
    writeFileSync(file, 'sekret-token-0123456789\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    const r = await runStart(['--port', String(await freePort())], { CHAT_STATE_DIR: state });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`admin token file ${file} is open to other users (mode 0644)`);
    expect(r.stderr).toContain(`chmod 600 ${file}`);
    expect(existsSync(path.join(state, 'redis'))).toBe(false);

    // A shared directory (world-writable, like /tmp) is refused, not closed to everyone.
    const shared = tmpDir('shared');
    chmodSync(shared, 0o1777);
    const s = await runStart(['--port', String(await freePort())], { CHAT_STATE_DIR: shared });
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(`the state directory ${shared} is shared (mode 1777)`);
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
  });

  it("refuses a state directory too deep for the private Redis's Unix socket, saying so", async () => {
    const deep = path.join(tmpDir('deep'), 'd'.repeat(100));
    const r = await runStart(['--port', String(await freePort())], { CHAT_STATE_DIR: deep });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `the private Redis's socket path ${path.join(deep, 'redis', 'redis.sock')}`,
    );
    expect(r.stderr).toMatch(/use a shorter --state-dir/);
    expect(existsSync(path.join(deep, 'redis'))).toBe(false);
  });

  it('without redis-server on PATH and no REDIS_URL, exits non-zero saying what to install or set', async () => {
    const emptyBin = path.join(tmpDir('nopath'), 'bin');
    mkdirSync(emptyBin);
    const child = track(
      spawn(
        process.execPath,
        [path.join(ROOT, 'bin/chat-server.js'), 'start', '--port', String(await freePort())],
        {
          env: { PATH: emptyBin, HOME: tmpDir('home'), CHAT_STATE_DIR: tmpDir('state') },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      ),
    );
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const { code } = await exited(child);
    expect(code).toBe(1);
    expect(err).toMatch(/install redis-server/i);
    expect(err).toMatch(/REDIS_URL/);
  });
});
