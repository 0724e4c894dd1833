import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatClient } from '../../src/client/chat-client.js';
import { connectUser, until } from '../helpers/cluster.js';
import { killAll } from '../helpers/processes.js';
import { ChaosCluster, record } from './harness.js';

let cluster: ChaosCluster;
const clients: ChatClient[] = [];
const CMD = 'npx vitest run -c vitest.chaos.config.ts test/chaos/sessions.test.ts';

// Its own cluster and Redis: a FLUSHALL would wipe what other scenarios stand on.
beforeAll(async () => {
  cluster = await ChaosCluster.start(3);
});
afterAll(async () => {
  cluster.stop();
  for (const c of clients) c.close();
  await killAll();
});

describe('chaos: sessions', () => {
  it('31. FLUSHALL under 60 connected clients: every instance notices the wipe within seconds, ends every socket, and each client is asked to log in', async () => {
    for (let i = 0; i < 60; i++) {
      const urls = cluster.urls;
      const { client } = await connectUser([urls[i % 3]!, ...urls]);
      clients.push(client);
    }
    const r = cluster.redis.client();
    const t0 = Date.now();
    await r.flushall();
    r.disconnect();
    const endedAt: number[] = [];
    await Promise.all(
      clients.map((c) =>
        until(c, () => c.state.kind === 'ended', 40_000, 'ended after FLUSHALL').then(() =>
          endedAt.push(Date.now() - t0),
        ),
      ),
    );
    const reasons = [
      ...new Set(clients.map((c) => (c.state.kind === 'ended' ? c.state.reason : c.state.kind))),
    ];
    endedAt.sort((a, b) => a - b);
    record({
      id: 31,
      scenario:
        'FLUSHALL on the cluster Redis while 60 clients are connected over 3 instances (production CHAT_SESSION_CHECK_MS 120000)',
      expected:
        'each instance finds its own status key gone at its next status write (about 1 s), checks its sockets’ sessions at once rather than at the 2-minute sweep, and finds them gone: they are disconnected, their reconnect is refused `unauthorized`, the client stops and asks to log in; nothing waits for a reconnect of its own',
      figures: {
        clients: clients.length,
        ended: endedAt.length,
        firstEndedMs: endedAt[0] ?? -1,
        lastEndedMs: endedAt.at(-1) ?? -1,
        reasons: reasons.join(','),
      },
      command: `${CMD} -t "31\\."`,
    });
    expect(endedAt).toHaveLength(60);
    // Far below the 120 s sweep: only noticing the wipe itself ends them this soon.
    expect(endedAt.at(-1)!).toBeLessThan(10_000);
    expect(reasons).toEqual(['unauthorized']);
  });
});
