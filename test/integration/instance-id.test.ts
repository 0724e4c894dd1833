import { describe, expect, it } from 'vitest';
import { LocalCluster } from '../admin/local-cluster.js';
import { startInstances, useCluster } from '../helpers/cluster.js';

const ENV = { CHAT_KEY_PREFIX: 'dup:' };
const cluster = useCluster(1, ENV);

describe('an instance id', () => {
  it('in use by a live instance is refused at start; one whose instance crashed here is free at once', async () => {
    const [live] = cluster.nodes;
    // A second chat-1 on the same Redis: its status would overwrite the first's, and a
    // restart of chat-1 would drain both.
    await expect(startInstances(1, cluster.redis, ENV)).rejects.toThrow(
      /instance id \\?"chat-1\\?" is in use by a live instance \(boot \w+, pid \d+ at [^)]+\): give this one another id/,
    );
    // The first one is untouched: still ready.
    expect((await fetch(`${live!.url}/readyz`)).status).toBe(200);

    // Crashed (its status left behind, written by a process of this machine that is gone):
    // its id is free for the next start, without waiting for the status to expire.
    await live!.kill('SIGKILL');
    const [again] = await startInstances(1, cluster.redis, ENV);
    expect(again!.bootId).not.toBe(live!.bootId);
  });

  it('in use makes a second local cluster on the same Redis and key prefix stop, not retry forever', async () => {
    const env = { ...cluster.redis.env(), CHAT_KEY_PREFIX: 'two:' };
    const first = await LocalCluster.start(1, env);
    try {
      // Its chat-1 is the first's: refused, and the start ends (it restarted it with backoff,
      // and never printed its banner).
      await expect(LocalCluster.start(1, env)).rejects.toThrow('chat-server start exited 1');
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
  });
});
