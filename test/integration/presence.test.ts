import { describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { ChatClient } from '../../src/client/chat-client.js';
import { ADMIN_NAMESPACE, MEMBER_LIST_MAX, type Result } from '../../src/protocol/index.js';
import { TEST_ENV, until, useCluster } from '../helpers/cluster.js';

const cluster = useCluster(2);
const { clients } = cluster;

/** Creates users in bulk through the admin API (no scrypt per user). */
async function bulkUsers(n: number): Promise<string[]> {
  const admin = io(`${cluster.nodes[0]!.url}${ADMIN_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { adminToken: TEST_ENV.CHAT_ADMIN_TOKEN },
    forceNew: true,
  });
  try {
    const res = await new Promise<Result<{ users: { name: string; token: string }[] }>>((r) =>
      admin.emit('admin:users:create', { prefix: 'ltpres01', from: 0, count: n, ttlSec: 600 }, r),
    );
    if (!res.ok) throw new Error(res.error.message);
    return res.data.users.map((u) => u.token);
  } finally {
    admin.close();
  }
}

describe('presence in a big room', () => {
  it('announces at most MEMBER_LIST_MAX names, with the true count', async () => {
    const n = MEMBER_LIST_MAX + 30;
    const tokens = await bulkUsers(n);
    for (const [i, token] of tokens.entries()) {
      const c = new ChatClient({ servers: [cluster.nodes[i % 2]!.url], token, pingEveryMs: 0 });
      await c.connect();
      await c.join('crowd');
      clients.push(c);
    }
    const first = clients[0]!.rooms.get('crowd')!;
    await until(clients[0]!, () => first.memberCount === n, 10_000, `count ${n}`);
    expect(first.members.length).toBe(MEMBER_LIST_MAX);
    expect(new Set(first.members).size).toBe(MEMBER_LIST_MAX);
    // The last joiner got the count in its join answer too.
    expect(clients[n - 1]!.rooms.get('crowd')!.memberCount).toBe(n);
  });
});
