import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENV } from '../helpers/cluster.js';
import {
  SERVER_MAIN,
  alive,
  exited,
  freePort,
  killAll,
  tmpDir,
  track,
} from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';
import { runAdmin, type AdminRun } from '../admin/run-admin.js';
import { runLoadtest } from './run.js';

let redis: TestRedis;
let supervisor: ReturnType<typeof spawn>;
let url = '';
const pids = new Map<string, number>();

beforeAll(async () => {
  redis = await TestRedis.start();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  supervisor = track(
    spawn(process.execPath, [SERVER_MAIN, 'start', '--port', String(port), '--instances', '3'], {
      env: { ...process.env, ...TEST_ENV, REDIS_URL: redis.url, CHAT_STATE_DIR: tmpDir('lt') },
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: supervisor.stdout! }).on('line', (l) => {
      const m = /^\s*(chat-\d+)\s+pid (\d+)/.exec(l);
      if (m) pids.set(m[1]!, Number(m[2]));
      if (l.includes('Ctrl-C stops everything')) resolve();
    });
    void exited(supervisor).then(({ code }) => reject(new Error(`supervisor exited ${code}`)));
  });
});

afterAll(async () => {
  // The supervisor stops its instances on SIGINT; anything left is killed by pid.
  if (supervisor && supervisor.exitCode === null) {
    supervisor.kill('SIGINT');
    await Promise.race([exited(supervisor), new Promise((r) => setTimeout(r, 10_000))]);
  }
  for (const pid of pids.values()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await killAll();
});

/** 100 users in 4 rooms at 40 messages/s for `duration`, two workers; nothing may be lost. */
const runArgs = (duration: string): string[] => [
  ...['--clients', '100', '--rooms', '4', '--rate', '40', '--duration', duration],
  ...['--ramp', '2s', '--drain', '15s', '--workers', '2', '--max-lost', '0'],
];

describe('loadtest progress', () => {
  it('names its phases as they come, never runs past its length, and ends on the report’s figures', async () => {
    const { report, stderr } = await runLoadtest(url, TEST_ENV.CHAT_ADMIN_TOKEN!, [
      ...['--clients', '20', '--rooms', '2', '--rate', '20', '--duration', '3s'],
      ...['--ramp', '1s', '--drain', '10s', '--workers', '2'],
    ]);
    const progress = stderr.filter((l) => l.startsWith('loadtest: '));
    const last = progress.at(-1) ?? '';
    const figure = (what: string): number => Number(new RegExp(`${what} (\\d+)`).exec(last)?.[1]);
    // One count feeds the live line and the report: the last line shown is the report's.
    expect({ sent: figure('sent'), delivered: figure('delivered') }, last).toEqual({
      sent: report.messages.sent,
      delivered: report.messages.delivered,
    });
    expect(report.messages.sent).toBeGreaterThan(0);
    const phases = progress
      .map((l) => /^loadtest: (\w+)/.exec(l)?.[1])
      .filter((p, i, all) => i === 0 || p !== all[i - 1]);
    expect(phases, progress.join('\n')).toEqual(['users', 'ramp', 'steady', 'drain', 'cleanup']);
    for (const l of progress) {
      const t = /(\d+) s of (\d+) s/.exec(l);
      if (t) expect(Number(t[1]), l).toBeLessThanOrEqual(Number(t[2]));
    }
    expect(last).toContain("removing the run's users and rooms");
  });
});

describe('loadtest while an instance is killed', () => {
  it('sees the reconnects and loses nothing', async () => {
    expect(pids.size).toBe(3);
    let killed = false;
    let sentAtKill = -1;
    let ended = false;
    // The sending lasts until the users are back and chatting again, however long a busy
    // machine makes that: 60 s is the bound, not the plan.
    const { report } = await runLoadtest(
      url,
      TEST_ENV.CHAT_ADMIN_TOKEN!,
      runArgs('60s'),
      (line, loadtest) => {
        const sent = Number(/ sent (\d+)/.exec(line)?.[1] ?? -1);
        // Mid-run: once the steady phase has messages flowing, SIGKILL one instance.
        if (!killed && /steady .* sent [1-9]/.test(line)) {
          killed = true;
          sentAtKill = sent;
          process.kill(pids.get('chat-1')!, 'SIGKILL');
          return;
        }
        // Then, once a later progress line has every user connected again and a hundred more
        // messages sent, the sending ends (SIGUSR2) and the run drains and checks every delivery.
        if (
          killed &&
          !ended &&
          /steady .* connected 100\/100/.test(line) &&
          sent >= sentAtKill + 100
        ) {
          ended = true;
          loadtest.kill('SIGUSR2');
        }
      },
    );
    console.log(
      JSON.stringify({
        clients: report.clients,
        messages: report.messages,
        reconnects: report.reconnects,
        lostConnection: report.lostConnection,
        instances: report.instances,
        latencyMs: report.latencyMs,
      }),
    );
    expect(killed).toBe(true);
    expect(ended).toBe(true);
    // The killed instance's users lost their connection there, and every one is back in its
    // room, each outage timed from the loss to the room resumed.
    const lostConn = report.lostConnection;
    expect(lostConn.byInstance['chat-1']).toBeGreaterThan(0);
    expect(lostConn.users).toBeGreaterThanOrEqual(lostConn.byInstance['chat-1']!);
    expect(lostConn.back).toBe(lostConn.users);
    expect(lostConn.resumeMs.p50).toBeGreaterThan(0);
    expect(lostConn.resumeMs.max).toBeLessThan(30_000);
    // Users whose connection was cut while they joined retry as a person would; one still
    // trying when the run ends counts as failed, never as connected.
    expect(report.clients.connected + report.clients.failed).toBe(100);
    expect(report.clients.connected).toBeGreaterThanOrEqual(97);
    expect(report.reconnects).toBeGreaterThan(0);
    expect(report.messages.sent).toBeGreaterThan(100);
    expect(report.messages.expected).toBeGreaterThan(report.messages.sent);
    expect(report.messages.lost).toBe(0);
    expect(report.messages.duplicated).toBe(0);
    expect(report.messages.delivered).toBe(report.messages.expected);
    expect(report.passed).toBe(true);
    expect(Object.keys(report.instances).length).toBeGreaterThanOrEqual(2);
  });

  it('moves every user through a rolling restart and loses nothing', async () => {
    let restart: Promise<AdminRun> | undefined;
    // The load lasts until the restart is over, however long a busy machine makes it: a
    // rolling restart waits for the clients of each instance to come back, and a load that
    // ended first would leave it waiting for clients that had gone home. 90 s is the bound.
    const { report } = await runLoadtest(
      url,
      TEST_ENV.CHAT_ADMIN_TOKEN!,
      runArgs('90s'),
      (line, loadtest) => {
        // Once messages flow, every instance is drained and restarted in turn.
        if (!restart && /steady .* sent [1-9]/.test(line)) {
          restart = runAdmin(['--server', url, 'restart', '--rolling', '--timeout', '60s'], {
            CHAT_ADMIN_TOKEN: TEST_ENV.CHAT_ADMIN_TOKEN,
          });
          void restart.then(() => loadtest.kill('SIGUSR2'));
        }
      },
    );
    const restarted = await restart;
    console.log(
      JSON.stringify({
        restart: restarted?.code,
        clients: report.clients,
        messages: report.messages,
        reconnects: report.reconnects,
        instances: report.instances,
      }),
    );
    expect(restarted?.code, restarted?.stderr).toBe(0);
    // The sending ended with the restart (SIGUSR2), not at its 90 s bound.
    expect(report.messages.sent / report.throughput.sentPerSec).toBeLessThan(85);
    expect(report.clients.connected).toBe(100);
    // Users on every instance were told to move (some more than once).
    expect(report.reconnects).toBeGreaterThanOrEqual(100);
    expect(report.messages.sent).toBeGreaterThan(100);
    expect(report.messages.lost).toBe(0);
    expect(report.messages.duplicated).toBe(0);
    expect(report.messages.delivered).toBe(report.messages.expected);
    expect(report.passed).toBe(true);
  }, 180_000);
});
