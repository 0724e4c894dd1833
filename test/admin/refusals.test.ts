import { beforeAll, describe, expect, it } from 'vitest';
import type { Notice } from '../../src/protocol/index.js';
import { adminHandshake } from '../helpers/raw.js';
import type { StatusDocument } from '../../src/admin/status-document.js';
import { TEST_ENV, connectUser, useCluster } from '../helpers/cluster.js';
import { freePort, tmpDir } from '../helpers/processes.js';
import { noticeOf, within } from './notices.js';
import { adminJson, runAdmin } from './run-admin.js';

/**
 * What the console refuses before (or instead of) touching the cluster: a wrong or missing
 * token, a bad command line, a broadcast the server would refuse, an unreachable server; and
 * the saved config that supplies a token. None of it depends on how Redis is set up, so it
 * runs on one redis-server only (the console's work on a Redis Cluster is cluster.test.ts).
 */
const TOKEN = { CHAT_ADMIN_TOKEN: TEST_ENV.CHAT_ADMIN_TOKEN };

const cluster = useCluster(2, { CHAT_KEY_PREFIX: 'admin-refusals:' }, 'single');
const { clients } = cluster;

beforeAll(async () => {
  for (const node of cluster.nodes) {
    const { client } = await connectUser([node.url]);
    clients.push(client);
  }
});

const server = (n = 0): string[] => ['--server', cluster.nodes[n]!.url];

describe('chat-admin refuses', () => {
  it('a wrong token exits 1 and changes nothing', async () => {
    const before = await adminJson<StatusDocument>([...server(0), 'status'], TOKEN);
    const heard: Notice[] = [];
    const offs = clients.map((c) => c.on('notice', (n) => heard.push(n)));
    const wrong = { CHAT_ADMIN_TOKEN: 'not-the-token' };
    const runs = await Promise.all([
      runAdmin([...server(0), 'broadcast', 'should not arrive'], wrong),
      runAdmin([...server(1), 'restart', 'chat-2'], wrong),
      runAdmin([...server(1), 'kick', 'someone', '--token', 'also-wrong'], TOKEN),
      runAdmin([...server(0), 'status', '--json'], wrong),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/refused the admin token/);
    }
    // Nothing happened: a real broadcast arrives and is the only notice anyone got.
    const fence = `after wrong token ${Date.now()}`;
    const fenced = clients.map((c) => noticeOf(c, fence));
    await adminJson([...server(0), 'broadcast', fence], TOKEN);
    await within(Promise.all(fenced), 10_000, `notice ${fence}`);
    offs.forEach((o) => o());
    expect(new Set(heard.map((n) => n.text))).toEqual(new Set([fence]));
    const after = await adminJson<StatusDocument>([...server(0), 'status'], TOKEN);
    expect(after.instances.map((i) => i.bootId)).toEqual(before.instances.map((i) => i.bootId));
    expect(clients.every((c) => c.connected)).toBe(true);

    const none = await runAdmin([...server(0), 'status']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no admin token/);
  });

  it('an address that keeps guessing the token is no longer logged line by line; the right token still connects', async () => {
    const node = cluster.nodes[1]!;
    const from = '127.0.0.77';
    // From an address of its own, so other tests' refusals do not count.
    const attempt = (adminToken: string) => adminHandshake(node.url, { adminToken }, from);
    const outcomes: string[] = [];
    for (let i = 0; i < 14; i++) outcomes.push(await attempt(`guess-${i}`));
    // Each one refused as a wrong token (the console exits 1 on it), the right one connects.
    expect(outcomes).toEqual(Array<string>(14).fill('unauthorized'));
    expect(await attempt(TEST_ENV.CHAT_ADMIN_TOKEN!)).toBe('connected');
    const mine = (l: Record<string, unknown>): boolean => l.from === from;
    await node.log.waitCount(
      (l) => mine(l) && /too many wrong admin tokens/.test(String(l.msg)),
      1,
    );
    const refusedLines = node.log.lines.filter(
      (l) => mine(l) && l.msg === 'admin connection refused',
    );
    expect(refusedLines).toHaveLength(10);
  });

  it('an unreachable server exits 3 with a clear line', async () => {
    const port = await freePort();
    const r = await runAdmin(['--server', `http://127.0.0.1:${port}`, 'status'], TOKEN);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      `chat-admin: cannot reach http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('a saved config supplies the token', async () => {
    const dir = { CHAT_ADMIN_CONFIG_DIR: tmpDir('cfg') };
    const saved = await runAdmin(
      ['config', '--set-token', TEST_ENV.CHAT_ADMIN_TOKEN!, '--set-server', cluster.nodes[1]!.url],
      dir,
    );
    expect(saved.code).toBe(0);
    expect(saved.stderr).toBe(''); // the server answers: nothing to warn of
    const doc = await adminJson<StatusDocument>(['status'], dir);
    expect(doc.totals.instances).toBe(2);

    // An address where no chat server answers is saved (one may be down for now), and said.
    const elsewhere = { CHAT_ADMIN_CONFIG_DIR: tmpDir('cfg-nothing') };
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const r = await runAdmin(['config', '--set-server', url], elsewhere);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`server  ${url}`);
    expect(r.stderr.trim()).toBe(
      `chat-admin: warning: saved, but no chat server answers at ${url}: nothing listens at 127.0.0.1:${port}`,
    );

    // An empty token or one with a space is refused and saves nothing (nor the server with it).
    for (const token of ['', 'a b']) {
      const bad = await runAdmin(['config', '--set-token', token, '--set-server', 'x:1'], dir);
      expect(bad).toMatchObject({ code: 2, stdout: '' });
      expect(bad.stderr).toMatch(/--set-token: an admin token is printable characters/);
    }
    expect((await adminJson<StatusDocument>(['status'], dir)).totals.instances).toBe(2);
    // The global --token given to config saves nothing, and says what does.
    const global = await runAdmin(['config', '--token', 'abc'], dir);
    expect(global).toMatchObject({ code: 2, stdout: '' });
    expect(global.stderr).toMatch(/to save one, use chat-admin config --set-token/);
    // Without a token anywhere, the advice names the option that saves one.
    const none = await runAdmin([...server(0), 'status'], {
      CHAT_ADMIN_CONFIG_DIR: tmpDir('cfg-none'),
      CHAT_STATE_DIR: tmpDir('state-none'),
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/save one with `chat-admin config --set-token`/);
  });

  it('a broadcast the server would refuse (too long, blank, invisible) exits 2 before sending', async () => {
    const connects = (): number =>
      cluster.nodes[0]!.log.lines.filter((l) => l.action === 'broadcast').length;
    const before = connects();
    const runs = await Promise.all(
      ['x'.repeat(70_000), 'y'.repeat(501), '   ', '\u200b\u200d\u2060', '\t\n'].map((text) =>
        runAdmin([...server(0), 'broadcast', text], TOKEN),
      ),
    );
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs[0]?.stderr).toMatch(/at most 500 characters/);
    expect(runs[2]?.stderr).toMatch(/blank/);
    expect(runs[3]?.stderr).toMatch(/blank/);
    // Refused before sending: the server audited no broadcast (not even a refused one).
    expect(connects()).toBe(before);
  });

  it('usage errors exit 2', async () => {
    const runs = await Promise.all([
      runAdmin([...server(1), 'restart'], TOKEN),
      runAdmin([...server(1), 'restart', 'chat-1', '--all'], TOKEN),
      runAdmin([...server(1), 'restart', '--rolling', '--timeout', 'soon'], TOKEN),
      runAdmin([...server(1), 'status', '--watch'], TOKEN), // no terminal here
      runAdmin([...server(1), 'frobnicate'], TOKEN),
      runAdmin([...server(1), 'restart', ''], TOKEN),
      runAdmin([...server(1), '--token', '', 'status'], {}),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(runs[3]?.stderr).toMatch(/--watch needs a terminal/);
    expect(runs[5]?.stderr).toMatch(/not an instance id: ""/);
    expect(runs[6]?.stderr).toMatch(/--token: an admin token is printable characters/);
  });

  it('account commands with bad input exit 2 before anything is sent', async () => {
    const audited = (): number =>
      cluster.nodes[0]!.log.lines.filter((l) => String(l.action).startsWith('user:')).length;
    const before = audited();
    const runs = await Promise.all([
      runAdmin([...server(0), 'ban', 'Not A Name'], TOKEN),
      runAdmin([...server(0), 'ban', 'bob', '--for', 'soon'], TOKEN),
      runAdmin([...server(0), 'ban', 'bob', '--reason', 'two\nlines'], TOKEN),
      runAdmin([...server(0), 'ban', 'bob', '--reason', 'x'.repeat(201)], TOKEN),
      runAdmin([...server(0), 'user', 'list', '--limit', '0'], TOKEN),
      runAdmin([...server(0), 'user'], TOKEN),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    for (const r of runs) expect(r.stdout).toBe('');
    expect(runs[0].stderr).toMatch(/cannot ban: user must be 1-32 characters/);
    expect(runs[1].stderr).toMatch(/expected a duration such as 30m, 1h, 7d/);
    expect(runs[2].stderr).toMatch(/reason must be one line without control characters/);
    expect(runs[3].stderr).toMatch(/reason must be at most 200 characters/);
    expect(runs[4].stderr).toMatch(/expected a whole number from 1 to 1000/);
    expect(runs[5].stderr).toMatch(/Usage: chat-admin user/);
    expect(audited()).toBe(before);
  }, 120_000);
});
