import { describe, expect, it } from 'vitest';
import { makeKeys } from '../../src/server/keys.js';
import { clusterStatus } from '../../src/server/status.js';
import { connectUser, useCluster } from '../helpers/cluster.js';

const cluster = useCluster(3);
const keys = makeKeys('chat:');

describe('the cluster status totals', () => {
  it('count distinct rooms, not one per instance that has clients in them', async () => {
    for (const [i, rooms] of [['lobby'], ['lobby', 'dev'], ['lobby']].entries()) {
      const { client } = await connectUser([cluster.nodes[i]!.url]);
      cluster.clients.push(client);
      for (const r of rooms) await client.join(r);
    }
    const r = cluster.redis.client();
    try {
      const t0 = Date.now();
      for (;;) {
        const s = await clusterStatus(r, keys, 'test');
        const perInstance = s.instances.map((x) => x.rooms);
        if (perInstance.join() === '1,2,1') {
          // The sum would say 4: lobby on three instances is one room.
          expect(s.totals.rooms).toBe(2);
          break;
        }
        if (Date.now() - t0 > 5000) throw new Error(`rooms per instance: ${perInstance.join()}`);
        // Status is rewritten every second and has no change event: poll it.
        await new Promise((res) => setTimeout(res, 100));
      }
    } finally {
      r.disconnect();
    }
  });
});
