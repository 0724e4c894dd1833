import { describe, expect, it } from 'vitest';
import { makeKeys } from '../../src/server/redis/keys.js';
import { readInstances } from '../../src/server/ops/status.js';
import { connectUser, until, useCluster } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';

const cluster = useCluster(3);
const { clients } = cluster;
const keys = makeKeys('chat:');

/**
 * Reads the instances' status from Redis until `pred` holds; ms taken. Status has no change
 * event to await (it is rewritten every second): poll it.
 */
async function statusUntil(
  pred: (byId: Map<string, { connections: number; bootId: string }>) => boolean,
  what: string,
): Promise<number> {
  const r = cluster.redis.client();
  const t0 = Date.now();
  try {
    await eventually(
      async () => {
        const list = await readInstances(r, keys);
        if (!pred(new Map(list.map((s) => [s.id, s])))) {
          throw new Error(`status: ${JSON.stringify(list.map((s) => [s.id, s.connections]))}`);
        }
      },
      { what },
    );
    return Date.now() - t0;
  } finally {
    r.disconnect();
  }
}

describe('live instance status in Redis', () => {
  it('counts the clients really connected to each instance, drops a SIGKILLed one within 5 s, shows its replacement', async () => {
    const wanted = [1, 2, 4];
    for (const [i, n] of wanted.entries()) {
      for (let k = 0; k < n; k++) {
        // Clients of chat-3 fall back to chat-1, as they would behind a balancer.
        const servers =
          i === 2 ? [cluster.nodes[2]!.url, cluster.nodes[0]!.url] : [cluster.nodes[i]!.url];
        const { client } = await connectUser(servers);
        await client.join('status-room');
        clients.push(client);
      }
    }
    await statusUntil(
      (m) => wanted.every((n, i) => m.get(`chat-${i + 1}`)?.connections === n),
      'connections 1, 2, 4',
    );

    // Presence: everyone is a member, on any instance's view.
    const watcher = clients[0]!;
    await until(
      watcher,
      () => watcher.rooms.get('status-room')!.members.length === 7,
      5000,
      'all 7 members',
    );

    const oldBoot = cluster.nodes[2]!.bootId;
    const killedAt = Date.now();
    await cluster.nodes[2]!.kill('SIGKILL');
    const goneAfter = await statusUntil((m) => !m.has('chat-3'), 'chat-3 gone');
    expect(Date.now() - killedAt).toBeLessThanOrEqual(5000);
    console.log(`chat-3 left the status ${goneAfter} ms after SIGKILL`);

    // Its clients reconnect to chat-1, and the totals account for each of them once.
    await statusUntil(
      (m) => m.get('chat-1')?.connections === 5 && m.get('chat-2')?.connections === 2,
      'connections 5, 2',
    );
    const r = cluster.redis.client();
    const total = (await readInstances(r, keys)).reduce((sum, s) => sum + s.connections, 0);
    r.disconnect();
    expect(total).toBe(7);
    const room = watcher.rooms.get('status-room')!;
    await until(watcher, () => room.members.length === 7, 5000, 'members back to 7');

    await cluster.nodes[2]!.start();
    expect(cluster.nodes[2]!.bootId).not.toBe(oldBoot);
    await statusUntil(
      (m) => m.get('chat-3')?.bootId === cluster.nodes[2]!.bootId,
      'chat-3 back on its new boot',
    );
  });
});

describe('presence after SIGKILL', () => {
  it('drops a killed instance’s members from the list within 5 s (no ghosts)', async () => {
    const { client: watcher } = await connectUser([cluster.nodes[0]!.url]);
    clients.push(watcher);
    await watcher.join('ghosts');
    // Two users on chat-2 that have nowhere else to go.
    for (let k = 0; k < 2; k++) {
      const { client } = await connectUser([cluster.nodes[1]!.url]);
      clients.push(client);
      await client.join('ghosts');
    }
    const room = watcher.rooms.get('ghosts')!;
    await until(watcher, () => room.members.length === 3, 5000, '3 members');
    const killedAt = Date.now();
    await cluster.nodes[1]!.kill('SIGKILL');
    await until(watcher, () => room.members.length === 1, 6000, 'ghosts gone');
    const after = Date.now() - killedAt;
    console.log(`ghost members gone ${after} ms after SIGKILL`);
    expect(after).toBeLessThanOrEqual(5000);
  });
});
