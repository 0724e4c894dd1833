import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectUser, startInstances, userName, type TestInstance } from '../helpers/cluster.js';
import { ROOT, killAll, tmpDir } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';
import { closePanes } from '../helpers/tmux.js';
import { needs } from '../helpers/tools.js';

/**
 * The built `chat-tui join` in a real terminal (tmux, 80x24) in 60 rooms, past the default
 * limit of 50 (raised with CHAT_MAX_ROOMS): the active tab stays visible, unread rooms beyond
 * the bar's edges are counted, and Ctrl-X reaches them.
 */

const BIN = path.join(ROOT, 'bin/chat-tui.js');
const SOCKET = `chat-tui-rooms-${process.pid}`;
const ROOMS = Array.from({ length: 60 }, (_, i) => `room${String(i + 1).padStart(2, '0')}`);
let redis: TestRedis;
let nodes: TestInstance[];
let shellPid: number | undefined;

const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', 'many');
const tabs = (): string => screen().split('\n')[2] ?? '';
/** Polls the pane (tmux has no change events) until `check` stops throwing. */
const until = (check: () => void, timeout = 20_000): Promise<void> =>
  vi.waitFor(check, { timeout, interval: 100 });

async function say(text: string): Promise<void> {
  tmux('send-keys', '-t', 'many', '-l', text);
  await until(() => expect(screen()).toContain(text));
  tmux('send-keys', '-t', 'many', 'Enter');
}

beforeAll(async () => {
  redis = await TestRedis.start();
  nodes = await startInstances(1, redis.url, { CHAT_MAX_ROOMS: '100' });
});

afterAll(async () => {
  closePanes(SOCKET, shellPid === undefined ? [] : [shellPid]);
  await killAll();
});

describe('chat-tui in 60 rooms', needs('tmux'), () => {
  it('keeps the active tab visible and unread rooms reachable', async () => {
    const url = nodes[0]!.url;
    const me = userName('many');
    const conf = tmpDir('tui-many');
    execFileSync(
      process.execPath,
      [BIN, 'login', '--server', url, '--user', me, '--password-stdin'],
      {
        input: 'many-pw\n',
        env: { ...process.env, CHAT_TUI_CONFIG_DIR: conf },
      },
    );
    const env = `env CHAT_TUI_CONFIG_DIR=${conf} TZ=UTC TERM=xterm-256color`;
    const run = `${env} ${process.execPath} ${BIN} join ${ROOMS.join(' ')} --server ${url}`;
    tmux('new-session', '-d', '-s', 'many', '-x', '80', '-y', '24', `${run}; exec sleep 600`);
    shellPid = Number(tmux('display-message', '-p', '-t', 'many', '#{pane_pid}').trim());

    // Another user in the last room sees the TUI arrive there: then all 60 are joined.
    const { client: other } = await connectUser([url]);
    await other.join('room60');
    await until(() => expect(other.rooms.get('room60')?.members).toContain(me), 30_000);
    await say('/window 60');
    await until(() => {
      expect(tabs()).toMatch(/^< .*60:#room60$/);
      expect(screen()).toContain('#room60>');
    });
    await say('/window 1');
    await until(() => expect(tabs()).toMatch(/^1:#room01 .* >$/));

    try {
      for (const r of ['room30', 'room45']) await other.join(r);
      await other.send('room30', 'thirty');
      await other.send('room45', `${me}: forty-five for you`);
      await until(() => expect(tabs()).toMatch(/ \(2\)>$/));

      await say('/window 20');
      await until(() => {
        expect(tabs()).toMatch(/^< .*20:#room20 .* \(2\)>$/);
        expect(screen()).toContain('#room20>');
      });
      // Ctrl-X: the room naming me first, then the other unread one.
      tmux('send-keys', '-t', 'many', 'C-x');
      await until(() => {
        expect(screen()).toContain('#room45>');
        expect(screen()).toContain('forty-five for you');
        expect(tabs()).toMatch(/^<\(1\) .*45:#room45 /);
      });
      tmux('send-keys', '-t', 'many', 'C-x');
      await until(() => {
        expect(screen()).toContain('#room30>');
        expect(screen()).toContain('thirty');
        expect(tabs()).not.toContain('(');
      });
    } finally {
      other.close();
    }
  });
});
