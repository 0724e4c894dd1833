import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../src/admin/status-document.js';
import { killAll, tmpDir } from '../helpers/processes.js';
import { LocalCluster } from './local-cluster.js';
import { runAdmin } from './run-admin.js';

/**
 * Two local clusters on one machine, each with its own state directory (token file and
 * recorded URL). `chat-admin` pointed at one with the other's state must say which server,
 * which token file, and how to point it at the right state directory.
 */

let a: LocalCluster;
let b: LocalCluster;

beforeAll(async () => {
  [a, b] = await Promise.all([LocalCluster.start(1), LocalCluster.start(1)]);
}, 90_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await killAll();
});

describe('chat-admin with two local clusters', () => {
  it('each state directory reaches its own cluster', async () => {
    for (const c of [a, b]) {
      const r = await runAdmin(['status', '--json'], { CHAT_STATE_DIR: c.stateDir });
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as StatusDocument).instances).toHaveLength(1);
    }
  });

  it("the other cluster's server with this state: names both, the file, and CHAT_STATE_DIR", async () => {
    const r = await runAdmin(['--server', b.url, 'status'], { CHAT_STATE_DIR: a.stateDir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(b.url);
    expect(r.stderr).toContain(path.join(a.stateDir, 'admin-token'));
    expect(r.stderr).toContain(
      `no admin token for ${b.url}: the local cluster's token (${path.join(a.stateDir, 'admin-token')}) is for ${a.url}`,
    );
    expect(r.stderr).toContain(
      `If ${b.url} is another local cluster, point chat-admin at its state directory`,
    );
    expect(r.stderr).toContain('CHAT_STATE_DIR=<dir> chat-admin');
    // What it says to do works: B's own state directory reaches B.
    const fixed = await runAdmin(['--server', b.url, 'status', '--json'], {
      CHAT_STATE_DIR: b.stateDir,
    });
    expect(fixed.code, fixed.stderr).toBe(0);
  });

  it('another cluster now answering at the recorded URL: the refusal names the server, the file and the fix', async () => {
    // A state directory whose recorded cluster is gone and whose URL now reaches cluster B
    // (a cluster started again elsewhere on the same port does this).
    const stale = tmpDir('stale-state');
    copyFileSync(path.join(a.stateDir, 'admin-token'), path.join(stale, 'admin-token'));
    writeFileSync(path.join(stale, 'server-url'), `${b.url}\n`, { mode: 0o600 });
    const r = await runAdmin(['status'], { CHAT_STATE_DIR: stale });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `${b.url} refused the admin token from ${path.join(stale, 'admin-token')} (wrong or missing admin token).`,
    );
    expect(r.stderr).toContain(
      `That file is the token of the cluster whose state is in ${stale} (recorded for ${b.url}), and the cluster answering at ${b.url} does not take it.`,
    );
    expect(r.stderr).toContain('CHAT_STATE_DIR=<dir> chat-admin');
    expect(r.stderr).toContain('"state in <dir>" line');
  });
});
