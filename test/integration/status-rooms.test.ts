import { describe, expect, it } from 'vitest';
import type { ChatClient } from '../../src/client/chat-client.js';
import type { RoomInfo } from '../../src/protocol/index.js';
import { makeKeys } from '../../src/server/redis/keys.js';
import { clusterStatus, STATUS_TTL_MS } from '../../src/server/ops/status.js';
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

      // Redis (on a cluster: the master of the statuses' slot) stalls for longer than a status
      // lives: the instances' writes time out, and Redis runs them late, after the room sets
      // expired. Counted again all the same.
      const pid = await cluster.redis.pidOf(keys.instances());
      process.kill(pid, 'SIGSTOP');
      try {
        await new Promise((resolve) => setTimeout(resolve, STATUS_TTL_MS + 2000));
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await eventually(
        async () => {
          const st = await clusterStatus(r, keys, 'test');
          expect(st.instances.map((x) => x.rooms).join()).toBe('1,2,1');
          expect(st.totals.rooms).toBe(2);
        },
        { what: 'two rooms again after the stall' },
      );
    } finally {
      r.disconnect();
    }
  });
});

describe('the room list', () => {
  it('names every room with members or messages, wherever its members are', async () => {
    const users = await Promise.all(cluster.nodes.map((n) => connectUser([n.url])));
    const [quiet, talker, reader] = users.map((u) => u.client) as [
      ChatClient,
      ChatClient,
      ChatClient,
    ];
    cluster.clients.push(quiet, talker, reader);
    // `hushed` has a member and no message, on another instance than the one asked.
    await quiet.join('hushed');
    await talker.join('chatty');
    await talker.send('chatty', 'hello');
    await talker.leave('chatty');
    // A conversation opened is not a room.
    await quiet.join(`@${users[2]!.user}`);

    const rows = (list: RoomInfo[]): string[] =>
      list
        .filter((r) => r.name === 'hushed' || r.name === 'chatty' || r.name.includes('@'))
        .map((r) => `${r.name} ${r.memberCount} online ${r.messages} messages`);
    // An instance's rooms reach the others with its status (once a second): poll.
    const listed = await eventually(
      async () => {
        const list = await reader.listRooms();
        expect(rows(list)).toEqual(['chatty 0 online 1 messages', 'hushed 1 online 0 messages']);
        return list;
      },
      { what: 'hushed (a member, no message) and chatty (a message, no member) listed' },
    );
    // A room that has had no message has no activity to show, and comes after those that have.
    expect(listed.find((r) => r.name === 'hushed')?.lastActivity).toBe(0);
    expect(listed.find((r) => r.name === 'chatty')?.lastActivity).toBeGreaterThan(0);
    // Asked of the instance the member is on, it is there at once (its own rooms).
    expect(rows(await quiet.listRooms())).toContain('hushed 1 online 0 messages');

    // Empty and without messages, it is no room any more.
    await quiet.leave('hushed');
    await eventually(
      async () => expect(rows(await reader.listRooms())).toEqual(['chatty 0 online 1 messages']),
      { what: 'hushed gone from the list once empty' },
    );
  });
});
