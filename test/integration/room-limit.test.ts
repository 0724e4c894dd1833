import { describe, expect, it } from 'vitest';
import { connectUser, useCluster } from '../helpers/cluster.js';

describe('the rooms-per-connection limit', () => {
  const c = useCluster(1, { CHAT_MAX_ROOMS: '3' });

  it('is set by CHAT_MAX_ROOMS and refused in words for people', async () => {
    const { client } = await connectUser([c.nodes[0]!.url]);
    c.clients.push(client);
    for (const r of ['r1', 'r2', 'r3']) await client.join(r);
    const err = await client.join('r4').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toBe(
      'you are already in 3 rooms, the most this server allows at once; leave one to join another',
    );
    // Nothing changed: still in three rooms, and joining one again is no new join.
    expect([...client.rooms.keys()].sort()).toEqual(['r1', 'r2', 'r3']);
    await client.join('r2');
    await client.leave('r1');
    await client.join('r4');
    expect([...client.rooms.keys()].sort()).toEqual(['r2', 'r3', 'r4']);
  });
});
