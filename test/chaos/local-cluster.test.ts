import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../src/client/chat-client.js';
import { LocalCluster } from '../admin/local-cluster.js';
import { runAdmin } from '../admin/run-admin.js';
import { connectUser, until } from '../helpers/cluster.js';
import { alive, exited, killAll, tmpDir } from '../helpers/processes.js';
import { ChatLoad, record } from './harness.js';

const CMD = 'npx vitest run -c vitest.chaos.config.ts test/chaos/local-cluster.test.ts';
const closers: (() => void)[] = [];

afterAll(async () => {
  for (const c of closers) c();
  await killAll();
});

/** Whether a pid runs (an unreaped zombie has ended: it holds no port and writes nothing). */
function running(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every process below `root`, from `ps` (children, grandchildren: Redis under its watchdog). */
function descendants(root: number): number[] {
  const ps = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const kids = new Map<number, number[]>();
  for (const line of ps.trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number) as [number, number];
    kids.set(ppid, [...(kids.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  for (let todo = [root]; todo.length > 0;) {
    const next = kids.get(todo.pop()!) ?? [];
    out.push(...next);
    todo.push(...next);
  }
  return out;
}

describe('chaos: the local cluster (`chat-server start`)', () => {
  it('40. chat-server start SIGKILLed with 30 clients connected: nothing left running within 5 s; the next start has the data', async () => {
    const state = tmpDir('sigkill');
    const first = await LocalCluster.start(3, {}, state);
    const tree = descendants(first.proc.pid!);
    // The three instances, the watchdog and redis-server itself.
    expect(tree.length).toBe(5);
    for (const pid of first.pids.filter((p) => p !== first.proc.pid)) expect(tree).toContain(pid);
    const clients = await Promise.all(
      Array.from({ length: 30 }, async () => (await connectUser([first.url])).client),
    );
    closers.push(() => clients.forEach((c) => c.close()));
    await clients[0]!.join('kept');
    expect((await clients[0]!.send('kept', 'before the SIGKILL')).state).toBe('sent');

    const t0 = Date.now();
    first.proc.kill('SIGKILL');
    await exited(first.proc);
    const deadline = t0 + 10_000;
    while (tree.some(running) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const goneMs = Date.now() - t0;
    const left = tree.filter(running);
    const lockLeft = existsSync(path.join(state, 'redis', 'redis.lock'));
    for (const c of clients) c.close();

    // The same state directory starts again (no stale lock, no second Redis on the data).
    const second = await LocalCluster.start(3, {}, state);
    const { client } = await connectUser([second.url]);
    await client.join('kept');
    const kept = client.rooms.get('kept')!.messages.map((m) => m.text);
    client.close();
    await second.stop();
    record({
      id: 40,
      scenario:
        '`chat-server start` (3 instances, private Redis) SIGKILLed with 30 clients connected',
      expected:
        'the private Redis (stopped by its watchdog when the supervisor’s IPC channel closes) and every instance exit within 5 s; the lock is released; the next start on the same state directory has the data',
      figures: {
        processes: tree.length,
        allGoneAfterMs: goneMs,
        processesLeft: left.length,
        lockLeft,
        messageKeptAfterRestart: kept.includes('before the SIGKILL'),
      },
      command: `${CMD} -t "40\\."`,
    });
    expect(left).toEqual([]);
    expect(goneMs).toBeLessThan(5000);
    expect(lockLeft).toBe(false);
    expect(kept).toContain('before the SIGKILL');
  });

  it('41. `chat-admin restart chat-2` under the local supervisor, 60 clients chatting: every client of chat-2 is told to move before close; nothing lost', async () => {
    const cluster = await LocalCluster.start(3, {
      CHAT_DRAIN_GRACE_MS: '8000',
      CHAT_DRAIN_SPREAD_MS: '1000',
    });
    const redis = { client: () => new Redis(cluster.redisUrl) };
    const load = new ChatLoad(
      { urls: [cluster.url], redis },
      {
        clients: 60,
        rooms: 4,
        ratePerSec: 20,
        users: 10,
        roomPrefix: 'sup41',
      },
    );
    closers.push(() => load.close());
    await load.connect();
    const watched = load.vus
      .filter((vu) => vu.client.welcome?.instanceId === 'chat-2')
      .map((vu) => {
        const states: ConnectionState[] = [];
        const lines: string[] = [];
        vu.client.on('state', (s) => states.push(s));
        vu.client.on('status', (l) => lines.push(l));
        return { client: vu.client, states, lines };
      });
    expect(watched.length).toBeGreaterThanOrEqual(10);
    load.start(1000);
    await new Promise((r) => setTimeout(r, 1500)); // chat before the restart

    const t0 = Date.now();
    const r = await runAdmin(['--server', cluster.url, 'restart', 'chat-2'], {
      CHAT_STATE_DIR: cluster.stateDir,
    });
    const restartMs = Date.now() - t0;
    for (const w of watched) {
      await until(w.client, () => w.lines.length > 0, 20_000, 'a status line after the move');
    }
    await new Promise((r) => setTimeout(r, 1000)); // chat after
    await load.stop();
    const verdict = await load.verify();
    const told = watched.filter((w) =>
      w.states.some((s) => s.kind === 'reconnecting' && s.reason === 'chat-2 is restarting'),
    );
    const moved = watched.filter((w) =>
      // Moved to another instance, or (once it is back, least loaded) to chat-2's replacement.
      /^chat-2 is restarting; (moved to chat-[13]|back on chat-2 \(restarted\));/.test(w.lines[0]!),
    );
    const waits = told.map((w) => {
      const s = w.states.find((x) => x.kind === 'reconnecting');
      return s?.kind === 'reconnecting' ? s.inMs : -1;
    });
    await cluster.stop();
    record({
      id: 41,
      scenario:
        '`chat-admin restart chat-2` through the public port of `chat-server start`, 60 clients chatting',
      expected:
        'every client of chat-2 gets `server:draining` before its connection closes, moves within the jittered spread (1 s) and says "moved", not "went away"; nothing lost',
      figures: {
        ...verdict,
        onRestarted: watched.length,
        toldToMove: told.length,
        saidMoved: moved.length,
        moveWaitMinMs: Math.min(...waits),
        moveWaitMaxMs: Math.max(...waits),
        restartCommandMs: restartMs,
        exitCode: r.code ?? -1,
      },
      command: `${CMD} -t "41\\."`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(told.length).toBe(watched.length);
    expect(moved.length).toBe(watched.length);
    expect(Math.max(...waits)).toBeLessThan(1000);
    expect(verdict.lost).toBe(0);
    expect(verdict.duplicated).toBe(0);
    expect(verdict.misordered).toBe(0);
  });
});
