import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../src/admin/status-document.js';
import type { RestartOutcome } from '../../src/admin/restart.js';
import type { ChatMessage } from '../../src/protocol/index.js';
import { LocalCluster } from '../admin/local-cluster.js';
import { runAdmin } from '../admin/run-admin.js';
import { connectUser, until } from '../helpers/cluster.js';
import { ROOT, exited, killAll, runToEnd, tmpDir, track, type Run } from '../helpers/processes.js';
import { TestRedisCluster } from '../helpers/redis-cluster.js';

const TUI = path.join(ROOT, 'bin/chat-tui.js');
const ENV = { ...process.env, CHAT_TUI_CONFIG_DIR: tmpDir('tui-conf'), TZ: 'UTC' };

let redis: TestRedisCluster;
let cluster: LocalCluster;

beforeAll(async () => {
  redis = await TestRedisCluster.start();
  cluster = await LocalCluster.start(3, {}, undefined, ['--redis-cluster', redis.nodeList]);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  await killAll();
});

function tui(args: string[], input = ''): Promise<Run> {
  return runToEnd(process.execPath, [TUI, ...args], { env: ENV, input });
}

const admin = (args: string[]) =>
  runAdmin(['--server', cluster.url, ...args], { CHAT_STATE_DIR: cluster.stateDir });

describe('chat-server start --redis-cluster: the local cluster on a 3-master Redis Cluster', () => {
  it('names the cluster, serves logins, chat, send and tail, and status shows every master', async () => {
    expect(cluster.out.join('\n')).toContain(`redis  cluster ${redis.nodeList}`);
    const login = await tui(
      ['login', '--server', cluster.url, '--user', 'ringo', '--password-stdin'],
      'password-1\n',
    );
    expect(login.code).toBe(0);
    expect((await tui(['config', 'set', 'server', cluster.url])).code).toBe(0);

    // tail --json prints live messages as they come.
    const tail = track(
      spawn(process.execPath, [TUI, 'tail', 'abbey', '--json'], { env: ENV, stdio: 'pipe' }),
    );
    const lines: ChatMessage[] = [];
    let tailErr = '';
    tail.stderr!.on('data', (d: Buffer) => (tailErr += d.toString()));
    const seen = new Promise<void>((resolve) =>
      createInterface({ input: tail.stdout! }).on('line', (l) => {
        lines.push(JSON.parse(l) as ChatMessage);
        if (lines.some((m) => m.text === 'from a person')) resolve();
      }),
    );
    const watcher = await connectUser([cluster.url]);
    await watcher.client.join('abbey');
    await until(
      watcher.client,
      () => watcher.client.rooms.get('abbey')!.members.includes('ringo'),
      15_000,
      'tail joined',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; tail said: ${tailErr}`);
    });
    const sent = await tui(['send', 'abbey', 'from a person']);
    expect(sent.code).toBe(0);
    expect(sent.stdout.trim()).toMatch(/^\d+-\d+$/);
    await seen;
    await until(
      watcher.client,
      () => watcher.client.rooms.get('abbey')!.messages.length === 1,
      10_000,
      'the message',
    );
    expect(lines.map((m) => m.text)).toEqual(['from a person']);
    tail.kill('SIGINT');
    await exited(tail);

    const r = await admin(['status', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as StatusDocument;
    expect(doc.instances.map((i) => i.id)).toEqual(['chat-1', 'chat-2', 'chat-3']);
    expect(doc.redis).toMatchObject({ ok: true, masters: 3, mastersOk: 3 });

    const b = await admin(['broadcast', 'maintenance at noon', '--json']);
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ instances: 3 });
    watcher.client.close();
  });

  it('restart --rolling while clients chat: every instance replaced, nothing lost', async () => {
    const users = await Promise.all(
      Array.from({ length: 12 }, () =>
        connectUser([cluster.url], { backoffMinMs: 100, backoffMaxMs: 800 }),
      ),
    );
    for (const [i, u] of users.entries()) await u.client.join(`let-${i % 3}`);
    let stop = false;
    let n = 0;
    const chatter = (async () => {
      while (!stop && n < 2000) {
        const u = users[n % users.length]!;
        await u.client.send(`let-${n % 3}`, `m${n}`);
        n++;
        await new Promise((res) => setTimeout(res, 40));
      }
    })();
    const before = JSON.parse((await admin(['status', '--json'])).stdout) as StatusDocument;
    const r = await admin(['restart', '--rolling', '--json']);
    stop = true;
    await chatter;
    expect(r.code, r.stderr).toBe(0);
    const outcome = JSON.parse(r.stdout) as { restarted: RestartOutcome[] };
    expect(outcome.restarted.map((x) => x.instanceId).sort()).toEqual([
      'chat-1',
      'chat-2',
      'chat-3',
    ]);
    for (const x of outcome.restarted) {
      expect(x.oldBootId).toBe(before.instances.find((i) => i.id === x.instanceId)!.bootId);
      expect(x.newBootId).not.toBe(x.oldBootId);
    }
    // Every client holds its room's whole history, each message once, in order.
    for (const [i, u] of users.entries()) {
      const room = `let-${i % 3}`;
      const expected = Array.from({ length: n }, (_, k) => k)
        .filter((k) => k % 3 === i % 3)
        .map((k) => `m${k}`);
      await until(
        u.client,
        () => u.client.rooms.get(room)!.messages.length >= expected.length,
        20_000,
        'all messages',
      );
      // Each message once (a send retried during a drain may be stored after later ones: the
      // room's order is the order Redis stored them in, the same for every member).
      const held = u.client.rooms.get(room)!.messages;
      expect(held.map((m) => m.text).sort()).toEqual([...expected].sort());
      expect(held.map((m) => m.seq)).toEqual(held.map((_m, k) => k + 1));
      const first = users[i % 3]!.client.rooms.get(room)!.messages;
      expect(held.map((m) => m.id)).toEqual(first.map((m) => m.id));
    }
    for (const u of users) u.client.close();
  });
});
