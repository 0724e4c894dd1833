import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StatusDocument } from '../../src/admin/status-document.js';
import { alive, freePort, killAll, tmpDir } from '../helpers/processes.js';
import { LocalCluster } from './local-cluster.js';
import { runAdmin } from './run-admin.js';

/**
 * `chat-server start` records its public URL beside its admin token; `chat-admin` with no
 * flags uses both from that one state directory, on whatever port the cluster runs.
 */

let cluster: LocalCluster;
const env = (): Record<string, string> => ({ CHAT_STATE_DIR: cluster.stateDir });

beforeAll(async () => {
  cluster = await LocalCluster.start(2);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await killAll();
});

describe('chat-admin finds its local cluster', () => {
  it('the URL is recorded beside the token (user-only), and the banner says where', () => {
    const file = path.join(cluster.stateDir, 'server-url');
    expect(readFileSync(file, 'utf8').trim()).toBe(cluster.url);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(cluster.out.join('\n')).toContain(`URL for chat-admin in ${file}`);
    expect(new URL(cluster.url).port).not.toBe('3000');
  });

  it('with no flags, status talks to the cluster on its own port with its own token', async () => {
    const r = await runAdmin(['status', '--json'], env());
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as StatusDocument;
    expect(doc.instances.map((i) => i.id).sort()).toEqual(['chat-1', 'chat-2']);
  });

  it('the local token is not handed to another server on this machine', async () => {
    const other = `http://127.0.0.1:${await freePort()}`;
    const r = await runAdmin(['--server', other, 'status'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no admin token for ${other}`);
    expect(r.stderr).toContain(`is for ${cluster.url}`);
    // The same listener under another loopback name is the same cluster.
    const same = cluster.url.replace('127.0.0.1', 'localhost');
    const ok = await runAdmin(['--server', same, 'status', '--json'], env());
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('a token file of another cluster: the refusal names the server, the file and the fix', async () => {
    const dir = tmpDir('other-state');
    writeFileSync(path.join(dir, 'admin-token'), 'another-clusters-token\n', { mode: 0o600 });
    writeFileSync(path.join(dir, 'server-url'), `${cluster.url}\n`, { mode: 0o600 });
    const r = await runAdmin(['status'], { CHAT_STATE_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `${cluster.url} refused the admin token from ${path.join(dir, 'admin-token')}`,
    );
    expect(r.stderr).toContain(`whose state is in ${dir}`);
    expect(r.stderr).toContain(`(recorded for ${cluster.url})`);
    expect(r.stderr).toContain('point chat-admin at its state directory');
    expect(r.stderr).toContain('CHAT_STATE_DIR=<dir> chat-admin');
  });

  it('an instance that is started again gets a line of its own with its new pid', async () => {
    const line = cluster.out.find((l) => /^\s+chat-2\s+pid \d+/.test(l))!;
    const oldPid = Number(/pid (\d+)/.exec(line)![1]);
    process.kill(oldPid, 'SIGKILL');
    let again: string | undefined;
    await vi.waitFor(
      () => {
        again = cluster.out.find((l) => /^\s+chat-2\s+pid \d+ .*\(started again\)$/.test(l));
        expect(again).toBeDefined();
      },
      { timeout: 20_000, interval: 50 },
    );
    const newPid = Number(/pid (\d+)/.exec(again!)![1]);
    expect(newPid).not.toBe(oldPid);
    expect(alive(newPid)).toBe(true);
    expect(again).toMatch(/127\.0\.0\.1:\d+ {2}boot \S+ {2}\(started again\)$/);
  });
});
