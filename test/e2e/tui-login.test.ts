import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HttpErrorBody } from '../../src/protocol/index.js';
import { startInstances, userName, type TestInstance } from '../helpers/cluster.js';
import { loginFrom } from '../helpers/http.js';
import { ROOT, killAll, tmpDir } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';
import { closePanes } from '../helpers/tmux.js';
import { needs } from '../helpers/tools.js';

/**
 * `chat-tui login` on a real terminal (a tmux pane) against a real server: a new name asks
 * for its password twice and is registered only when both agree; a known name logs in with
 * one; the last line says which of the two happened.
 */

const BIN = path.join(ROOT, 'bin/chat-tui.js');
const SOCKET = `chat-tui-login-${process.pid}`;
const panePids: number[] = [];

let redis: TestRedis;
let node: TestInstance;

const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
// -J: a line the 80 columns wrapped is read back whole.
const screen = (pane: string): string => tmux('capture-pane', '-p', '-J', '-t', pane);
const until = (pane: string, check: (screen: string) => void, timeout = 20_000): Promise<void> =>
  vi.waitFor(() => check(screen(pane)), { timeout, interval: 100 });

/** Runs `chat-tui login` in a new pane; the shell around it prints the exit status. */
function openLogin(name: string, configDir: string): void {
  const env = [`CHAT_TUI_CONFIG_DIR=${configDir}`, 'TERM=xterm-256color'];
  const run = `env ${env.join(' ')} ${process.execPath} ${BIN} login --server ${node.url}`;
  const script = `${run}; echo "chat-tui exited with $?"; exec sleep 600`;
  tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24', script);
  panePids.push(Number(tmux('display-message', '-p', '-t', name, '#{pane_pid}').trim()));
}

/** Waits for `prompt` on the pane, then types `text` and Enter (as two key presses). */
async function answer(pane: string, prompt: string, text: string): Promise<void> {
  await until(pane, (s) => expect(s).toContain(prompt));
  tmux('send-keys', '-t', pane, '-l', text);
  tmux('send-keys', '-t', pane, 'Enter');
}

beforeAll(async () => {
  redis = await TestRedis.start();
  [node] = (await startInstances(1, redis.url)) as [TestInstance];
});

afterAll(async () => {
  closePanes(SOCKET, panePids);
  await killAll();
});

describe('chat-tui login on a terminal', needs('tmux'), () => {
  it('a new name: the password twice; a mismatch registers nothing, a match registers, then it is an existing account', async () => {
    const user = userName('newbie');
    const conf = tmpDir('tui-login');

    openLogin('mismatch', conf);
    await answer('mismatch', 'user name:', user);
    await answer('mismatch', 'password:', 'first-pw-1');
    await until('mismatch', (s) =>
      expect(s).toContain(`There is no account "${user}" on ${node.url} yet: registering it.`),
    );
    await answer('mismatch', 'password again:', 'other-pw-2');
    await until('mismatch', (s) => {
      expect(s).toContain('the two passwords differ: nothing was registered');
      expect(s).toContain('chat-tui exited with 2');
    });
    // Nothing was created: the name still has no account, under either password.
    for (const pw of ['first-pw-1', 'other-pw-2']) {
      const probe = await loginFrom(node.url, '127.0.0.1', user, pw, { create: false });
      expect(probe.status).toBe(404);
      expect((JSON.parse(probe.body) as HttpErrorBody).error.code).toBe('no_such_user');
    }

    openLogin('register', conf);
    await answer('register', 'user name:', user);
    await answer('register', 'password:', 'first-pw-1');
    await answer('register', 'password again:', 'first-pw-1');
    await until('register', (s) => {
      expect(s).toContain(`registered a new account "${user}" on ${node.url} and logged in`);
      expect(s).toContain('chat-tui exited with 0');
    });
    // Passwords never reach the screen.
    expect(screen('register')).not.toContain('first-pw-1');
    const saved = JSON.parse(readFileSync(path.join(conf, 'config.json'), 'utf8')) as unknown;
    expect(JSON.stringify(saved)).toContain(user);

    openLogin('again', conf);
    await answer('again', 'user name:', user);
    await answer('again', 'password:', 'first-pw-1');
    await until('again', (s) => {
      expect(s).toContain(`logged in to ${node.url} as ${user} (existing account)`);
      expect(s).toContain('chat-tui exited with 0');
    });
    expect(screen('again')).not.toContain('password again:');

    // A wrong password is asked for again, as ssh does: the right one on the second try logs in.
    const wrong = 'login failed: wrong user name or password';
    openLogin('retry', conf);
    await answer('retry', 'user name:', user);
    await answer('retry', 'password:', 'not-the-pw');
    await answer('retry', `${wrong}; try again (2 tries left)\npassword:`, 'first-pw-1');
    await until('retry', (s) => {
      expect(s).toContain(`logged in to ${node.url} as ${user} (existing account)`);
      expect(s).toContain('chat-tui exited with 0');
    });

    // Three wrong ones: it gives up, exit code 1.
    openLogin('wrong', conf);
    await answer('wrong', 'user name:', user);
    await answer('wrong', 'password:', 'not-the-pw');
    await answer('wrong', `${wrong}; try again (2 tries left)\npassword:`, 'not-the-pw-2');
    await answer('wrong', `${wrong}; try again (1 try left)\npassword:`, 'not-the-pw-3');
    await until('wrong', (s) => {
      expect(s).toContain(`${wrong}\nchat-tui exited with 1`);
      expect(s.split('password:')).toHaveLength(4);
    });
    expect(screen('wrong')).not.toContain('password again:');

    // A script's piped password is not asked for again: it fails at once, with its exit code.
    const piped = spawnSync(
      process.execPath,
      [BIN, 'login', '--server', node.url, '--user', user, '--password-stdin'],
      {
        input: 'not-the-pw\n',
        encoding: 'utf8',
        env: { ...process.env, CHAT_TUI_CONFIG_DIR: conf },
      },
    );
    expect(piped.status).toBe(1);
    expect(piped.stderr).toBe(`chat-tui: ${wrong}\n`);
  });
});
