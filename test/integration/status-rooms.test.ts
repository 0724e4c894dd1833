import { describe, expect, it } from 'vitest';
import { makeKeys } from '../../src/server/redis/keys.js';
import { clusterStatus } from '../../src/server/ops/status.js';
import { connectUser, useCluster } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';

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
      // Status is rewritten every second and has no change event: poll it.
      const s = await eventually(
        async () => {
          const st = await clusterStatus(r, keys, 'test');
          expect(st.instances.map((x) => x.rooms).join()).toBe('1,2,1');
          return st;
        },
        { what: 'rooms per instance 1,2,1' },
      );
      // The sum would say 4: lobby on three instances is one room.
      expect(s.totals.rooms).toBe(2);
    } finally {
      r.disconnect();
    }
  });
});
