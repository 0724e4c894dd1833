import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_ENV, startInstances, type TestInstance } from '../helpers/cluster.js';
import { killAll, track } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';
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
