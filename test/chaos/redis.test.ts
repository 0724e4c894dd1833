import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../../src/client/api.js';
import { ADMIN_NAMESPACE, type ClusterStatus, type Result } from '../../src/protocol/index.js';
import { TEST_ENV, TestInstance, readyzUntil, until } from '../helpers/cluster.js';
import { freePort, killAll } from '../helpers/processes.js';
import { io } from 'socket.io-client';
import { ChaosCluster, ChatLoad, record } from './harness.js';
import { CuttableProxy } from './tcp-proxy.js';

let cluster: ChaosCluster;
const loads: ChatLoad[] = [];
const CMD = 'npx vitest run -c vitest.chaos.config.ts test/chaos/redis.test.ts';

beforeAll(async () => {
  cluster = await ChaosCluster.start(3, { CHAT_REDIS_LOST_MOVE_MS: '5000' });
});
afterAll(async () => {
  cluster.stop();
  for (const l of loads) l.close();
  await killAll();
});

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) })).status;
}

function adminStatus(url: string): Promise<{ ms: number; res: Result<ClusterStatus> }> {
  const t0 = Date.now();
  const s = io(`${url}${ADMIN_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { adminToken: TEST_ENV.CHAT_ADMIN_TOKEN },
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    s.once('connect_error', reject);
    s.once('connect', () => {
      s.timeout(10_000).emit(
        'admin:status',
        {},
        (err: Error | null, res: Result<ClusterStatus>) => {
          s.close();
          if (err) reject(err);
          else resolve({ ms: Date.now() - t0, res });
        },
      );
    });
  });
}

describe('chaos: Redis faults', () => {
  it('5. Redis restarted (append-only): instances stay up, not ready meanwhile, no acked message lost', async () => {
    const load = new ChatLoad(cluster, {
      clients: 100,
      rooms: 4,
      ratePerSec: 30,
      users: 10,
      roomPrefix: 'rr',
    });
    loads.push(load);
    await load.connect();
    load.start(1500);
    await new Promise((r) => setTimeout(r, 2000));
    await cluster.redis.down();
    const notReadyAfter = await readyzUntil(cluster.urls[0]!, 503, 10_000);
    await new Promise((r) => setTimeout(r, 2000)); // an outage of a couple of seconds
    const failedDuring = load.vus.reduce(
      (a, vu) => a + [...vu.client.outgoing.values()].filter((o) => o.state === 'failed').length,
      0,
    );
    await cluster.redis.up();
    const readyAgainAfter = await readyzUntil(cluster.urls[0]!, 200, 15_000);
    await new Promise((r) => setTimeout(r, 2000));
    await load.stop();
    const v = await load.verify();
    for (const n of cluster.nodes) expect(n.proc.exitCode).toBeNull();
    expect(cluster.restarts).toBe(0);
    record({
      id: 5,
      scenario:
        'Redis restarted (SIGKILL, append-only with fsync always) under 100 chatting clients',
      expected:
        'instances stay up; /readyz 503 meanwhile; sends during the outage fail visibly and are retried; nothing acked is lost',
      figures: {
        ...v,
        failedSendsDuringOutage: failedDuring,
        notReadyAfterMs: notReadyAfter,
        readyAgainAfterMs: readyAgainAfter,
        instanceRestarts: cluster.restarts,
      },
      command: `${CMD} -t "5\\."`,
    });
    expect(failedDuring).toBeGreaterThan(0);
    expect(v.lost).toBe(0);
    expect(v.duplicated).toBe(0);
    expect(v.misordered).toBe(0);
    load.close();
  });

  it('6. Redis unreachable for 20 s: nothing hangs past its timeouts; status says what it cannot know', async () => {
    const load = new ChatLoad(cluster, {
      clients: 30,
      rooms: 2,
      ratePerSec: 10,
      users: 5,
      roomPrefix: 'ru',
    });
    loads.push(load);
    await load.connect();
    load.start(600);
    await new Promise((r) => setTimeout(r, 1000));
    await cluster.redis.down();
    const t0 = Date.now();
    await readyzUntil(cluster.urls[1]!, 503, 10_000);

    const loginStart = Date.now();
    const loginErr = await login(cluster.urls[1]!, 'during-outage', 'password-1').catch(
      (e: { status: number }) => e,
    );
    const loginMs = Date.now() - loginStart;
    expect((loginErr as { status: number }).status).toBe(503);

    const status = await adminStatus(cluster.urls[2]!);
    expect(status.res.ok).toBe(true);
    const doc = status.res.ok ? status.res.data : undefined;
    expect(doc?.redis.ok).toBe(false);
    expect(doc?.warnings?.[0]).toMatch(/unreachable/);
    expect(doc?.instances.map((i) => i.id)).toEqual(['chat-3']);

    const waitMore = 20_000 - (Date.now() - t0);
    if (waitMore > 0) await new Promise((r) => setTimeout(r, waitMore));
    await cluster.redis.up();
    for (const url of cluster.urls) await readyzUntil(url, 200, 15_000);
    await load.stop(90_000);
    const v = await load.verify(60_000);
    for (const n of cluster.nodes) expect(n.proc.exitCode).toBeNull();
    record({
      id: 6,
      scenario: 'Redis unreachable for 20 s, 30 chatting clients',
      expected:
        'logins answer 503 at once, sends fail at once, status answers with what it can; clients move after 5 s and come back; nothing lost',
      figures: {
        ...v,
        loginAnswerMs: loginMs,
        statusAnswerMs: status.ms,
        statusWarning: doc?.warnings?.[0]?.slice(0, 60) ?? '',
      },
      command: `${CMD} -t "6\\."`,
    });
    expect(loginMs).toBeLessThan(5000);
    expect(status.ms).toBeLessThan(5000);
    expect(v.lost).toBe(0);
    expect(v.duplicated).toBe(0);
    load.close();
  });

  it('20. one instance cut off from Redis while the others are fine: it turns not-ready and its clients move', async () => {
    const proxy = await new CuttableProxy(cluster.redis.port).start();
    const lonely = await new TestInstance('chat-9', await freePort(), {
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      CHAT_REDIS_LOST_MOVE_MS: '3000',
    }).start();
    try {
      // Clients start on the lonely instance and fail over to the healthy ones.
      const urls = [lonely.url, ...cluster.urls];
      const load = new ChatLoad(
        { ...cluster, urls, redis: cluster.redis },
        {
          clients: 40,
          rooms: 2,
          ratePerSec: 20,
          users: 5,
          roomPrefix: 'cut',
        },
      );
      loads.push(load);
      await load.connect();
      const onLonely = load.vus.filter((vu) => vu.client.welcome?.instanceId === 'chat-9');
      expect(onLonely.length).toBeGreaterThan(0);
      load.start(800);
      await new Promise((r) => setTimeout(r, 1000));
      proxy.cut();
      const cutAt = Date.now();
      const notReadyMs = await readyzUntil(lonely.url, 503, 10_000);
      for (const vu of onLonely) {
        await until(
          vu.client,
          () => vu.client.connected && vu.client.welcome?.instanceId !== 'chat-9',
          20_000,
          'moved off the cut instance',
        );
      }
      const movedMs = Date.now() - cutAt;
      for (const url of cluster.urls) expect(await readyz(url)).toBe(200);
      await new Promise((r) => setTimeout(r, 1000));
      await load.stop(60_000);
      const v = await load.verify();
      record({
        id: 20,
        scenario:
          'one instance cut off from Redis (TCP proxy cut) while the others are fine, 40 clients',
        expected:
          '/readyz 503 on it only; its clients are told to move after CHAT_REDIS_LOST_MOVE_MS; no one-sided delivery, nothing lost',
        figures: {
          ...v,
          clientsOnCutInstance: onLonely.length,
          notReadyAfterMs: notReadyMs,
          allMovedAfterMs: movedMs,
        },
        command: `${CMD} -t "20\\."`,
      });
      expect(v.lost).toBe(0);
      expect(v.duplicated).toBe(0);
      expect(v.misordered).toBe(0);
      load.close();
    } finally {
      await lonely.kill('SIGKILL');
      await proxy.close();
    }
  });
  it("23. one instance's path to Redis goes silent (connections open, nothing answered): it turns not-ready and its clients move", async () => {
    const proxy = await new CuttableProxy(cluster.redis.port).start();
    const lonely = await new TestInstance('chat-8', await freePort(), {
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      CHAT_REDIS_LOST_MOVE_MS: '3000',
    }).start();
    try {
      const urls = [lonely.url, ...cluster.urls];
      const load = new ChatLoad(
        { ...cluster, urls, redis: cluster.redis },
        { clients: 40, rooms: 2, ratePerSec: 20, users: 5, roomPrefix: 'held' },
      );
      loads.push(load);
      await load.connect();
      const onLonely = load.vus.filter((vu) => vu.client.welcome?.instanceId === 'chat-8');
      expect(onLonely.length).toBeGreaterThan(0);
      load.start(800);
      await new Promise((r) => setTimeout(r, 1000));
      // Its connections to Redis stay open (ioredis still says 'ready'); nothing comes back.
      proxy.hold();
      const heldAt = Date.now();
      const notReadyMs = await readyzUntil(lonely.url, 503, 15_000);
      for (const vu of onLonely) {
        await until(
          vu.client,
          () => vu.client.connected && vu.client.welcome?.instanceId !== 'chat-8',
          20_000,
          'moved off the instance Redis does not answer',
        );
      }
      const movedMs = Date.now() - heldAt;
      for (const url of cluster.urls) expect(await readyz(url)).toBe(200);
      // The path comes back: what it held goes through, and the instance is ready again.
      proxy.release();
      const readyAgainMs = await readyzUntil(lonely.url, 200, 15_000);
      await load.stop(60_000);
      const v = await load.verify();
      record({
        id: 23,
        scenario:
          "one instance's path to Redis held silent (TCP proxy holds every byte, connections open), 40 clients",
        expected:
          '/readyz 503 on it within the command timeout and a beat; its clients told to move after CHAT_REDIS_LOST_MOVE_MS; ready again once Redis answers; nothing lost or duplicated',
        figures: {
          ...v,
          clientsOnHeldInstance: onLonely.length,
          notReadyAfterMs: notReadyMs,
          allMovedAfterMs: movedMs,
          readyAgainAfterReleaseMs: readyAgainMs,
        },
        command: `${CMD} -t "23\\."`,
      });
      expect(v.lost).toBe(0);
      expect(v.duplicated).toBe(0);
      expect(v.misordered).toBe(0);
      load.close();
    } finally {
      await lonely.kill('SIGKILL');
      await proxy.close();
    }
  });
});
