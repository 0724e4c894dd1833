import { describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { login } from '../../src/client/api.js';
import { ChatClient } from '../../src/client/chat-client.js';
import { ADMIN_NAMESPACE, MEMBER_LIST_MAX, type Result } from '../../src/protocol/index.js';
import { TEST_ENV, until, userName, useCluster } from '../helpers/cluster.js';

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

describe('presence after its keys vanished', () => {
  it('every instance puts its members back within seconds (a FLUSHALL-like loss of the room keys)', async () => {
    const urls = cluster.nodes.map((n) => n.url);
    const [a, b] = await Promise.all(
      ['heal-a', 'heal-b'].map(async (prefix, i) => {
        const { token } = await login(urls[i]!, userName(prefix), 'password-1');
        const c = new ChatClient({ servers: [urls[i]!], token, pingEveryMs: 0 });
        clients.push(c);
        await c.connect();
        await c.join('heal');
        return c;
      }),
    );
    const room = a!.rooms.get('heal')!;
    await until(a!, () => room.memberCount === 2, 10_000, 'both members');
    const r = cluster.redis.client();
    await r.del('chat:room:{heal}:presence', 'chat:room:{heal}:presence:boots');
    r.disconnect();
    // A third member makes the room announce; the two others come back with it.
    const { token } = await login(urls[0]!, userName('heal-c'), 'password-1');
    const c = new ChatClient({ servers: [urls[0]!], token, pingEveryMs: 0 });
    clients.push(c);
    await c.connect();
    await c.join('heal');
    const names = [a!, b!, c].map((x) => x.welcome!.user).sort();
    const seen = c.rooms.get('heal')!;
    await until(c, () => seen.members.join() === names.join(), 5000, 'all three members');
    expect(seen.memberCount).toBe(3);
  });
});
