import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENV, startInstances, type TestInstance } from '../helpers/cluster.js';
import { killAll, track } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';
import { TmuxPanes } from '../helpers/tmux.js';
import { needs } from '../helpers/tools.js';
import { ADMIN_BIN } from './run-admin.js';

/** util-linux `script` gives the built bin a real pseudo-terminal. */
const hasScript = spawnSync('script', ['--version']).status === 0;

let redis: TestRedis;
let nodes: TestInstance[];

beforeAll(async () => {
  if (!hasScript) return;
  redis = await TestRedis.start();
  nodes = await startInstances(2, redis.url, { CHAT_KEY_PREFIX: 'admin-tty:' });
});

afterAll(async () => {
  await killAll();
});

it.skipIf(!hasScript)('status --watch runs full-screen in a terminal and q quits', async () => {
  const cmd = `stty cols 120 rows 30; exec ${process.execPath} ${ADMIN_BIN} --server ${nodes[0]!.url} status --watch`;
  const child = track(
    spawn('script', ['-qfec', cmd, '/dev/null'], {
      env: { ...process.env, CHAT_ADMIN_TOKEN: TEST_ENV.CHAT_ADMIN_TOKEN },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  let screen = '';
  const drawn = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no status drawn:\n${screen}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      screen += d.toString();
      if (/chat-1\S*\s+\S*ready/.test(screen) && /chat-2/.test(screen) && /q quits/.test(screen)) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  await drawn;
  expect(screen).toContain('\x1b[?1049h'); // the alternate screen
  child.stdin!.write('q');
  expect(await closed).toBe(0);
  expect(screen).toContain('\x1b[?1049l'); // and back
});

describe('status --watch in tmux', needs('tmux'), () => {
  const socket = `chat-admin-watch-${process.pid}`;
  const panes = new TmuxPanes(socket, ADMIN_BIN);
  afterAll(() => panes.close());

  it('redraws whole after every resize: one header, no old frames left above it', async () => {
    const run = `env CHAT_ADMIN_TOKEN=${TEST_ENV.CHAT_ADMIN_TOKEN} TERM=xterm-256color ${process.execPath} ${ADMIN_BIN} --server ${nodes[0]!.url} status --watch`;
    panes.run('watch', `${run}; exec sleep 600`, { x: 130, y: 20 });
    const headers = (s: string): string[] =>
      s.split('\n').filter((l) => l.startsWith('chat-admin status'));
    const stamp = (s: string): string => /updated (\S+)/.exec(headers(s).at(-1) ?? '')?.[1] ?? '';
    await panes.until('watch', (s) => expect(s).toMatch(/chat-2\S*\s+\S*ready/));
    for (const x of [90, 130, 70, 120, 100, 60, 130]) {
      const before = stamp(panes.screen('watch'));
      panes.tmux('resize-window', '-t', 'watch', '-x', String(x));
      // Once the next poll has drawn after the resize, as after every one: one frame, on top.
      await panes.until('watch', (s) => {
        expect(stamp(s)).not.toBe(before);
        expect(headers(s), s).toHaveLength(1);
        expect(s.split('\n')[0]).toMatch(/^chat-admin status /);
      });
    }
    panes.tmux('send-keys', '-t', 'watch', 'q');
    await panes.until('watch', (s) => expect(s).not.toContain('chat-admin status'));
  });
});
