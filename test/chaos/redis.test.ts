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

/**
 * One instance of its own reaches Redis through a proxy; 40 clients chat, starting on it and
 * failing over to the cluster's. After a second `fault` is done to its path; it must turn
 * not-ready and its clients move; `heal` (if any) then restores the path and it must be ready
 * again. Returns the figures, and the check that nothing was lost, duplicated or misordered.
 */
async function oneInstanceCutOff(
  id: string,
  roomPrefix: string,
  fault: (proxy: CuttableProxy) => void,
  heal?: (proxy: CuttableProxy) => void,
) {
  const proxy = await new CuttableProxy(cluster.redis.port).start();
  const lonely = await new TestInstance(id, await freePort(), {
    REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
    CHAT_REDIS_LOST_MOVE_MS: '3000',
  }).start();
  try {
    const urls = [lonely.url, ...cluster.urls];
    const load = new ChatLoad(
      { ...cluster, urls, redis: cluster.redis },
      { clients: 40, rooms: 2, ratePerSec: 20, users: 5, roomPrefix },
    );
    loads.push(load);
    await load.connect();
    const onIt = load.vus.filter((vu) => vu.client.welcome?.instanceId === id);
    expect(onIt.length).toBeGreaterThan(0);
    load.start(800);
    await new Promise((r) => setTimeout(r, 1000)); // chat before the fault
    fault(proxy);
    const faultAt = Date.now();
    const notReadyMs = await readyzUntil(lonely.url, 503, 15_000);
    for (const vu of onIt) {
      await until(
        vu.client,
        () => vu.client.connected && vu.client.welcome?.instanceId !== id,
        20_000,
        `moved off ${id}`,
      );
    }
    const movedMs = Date.now() - faultAt;
    for (const url of cluster.urls) expect(await readyz(url)).toBe(200);
    let readyAgainMs: number | undefined;
    if (heal) {
      heal(proxy);
      readyAgainMs = await readyzUntil(lonely.url, 200, 15_000);
    } else {
      await new Promise((r) => setTimeout(r, 1000)); // chat after the move
    }
    await load.stop(60_000);
    const verdict = await load.verify();
    load.close();
    return {
      verdict,
      clientsOnIt: onIt.length,
      notReadyMs,
      movedMs,
      readyAgainMs,
      expectWhole(): void {
        expect(verdict.lost).toBe(0);
        expect(verdict.duplicated).toBe(0);
        expect(verdict.misordered).toBe(0);
      },
    };
  } finally {
    await lonely.kill('SIGKILL');
    await proxy.close();
  }
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
    const run = await oneInstanceCutOff('chat-9', 'cut', (proxy) => proxy.cut());
    record({
      id: 20,
      scenario:
        'one instance cut off from Redis (TCP proxy cut) while the others are fine, 40 clients',
      expected:
        '/readyz 503 on it only; its clients are told to move after CHAT_REDIS_LOST_MOVE_MS; no one-sided delivery, nothing lost',
      figures: {
        ...run.verdict,
        clientsOnCutInstance: run.clientsOnIt,
        notReadyAfterMs: run.notReadyMs,
        allMovedAfterMs: run.movedMs,
      },
      command: `${CMD} -t "20\\."`,
    });
    run.expectWhole();
  });

  it("23. one instance's path to Redis goes silent (connections open, nothing answered): it turns not-ready and its clients move", async () => {
    // Its connections to Redis stay open (ioredis still says 'ready'); nothing comes back. The
    // path comes back after: what it held goes through, and the instance is ready again.
    const run = await oneInstanceCutOff(
      'chat-8',
      'held',
      (proxy) => proxy.hold(),
      (proxy) => proxy.release(),
    );
    record({
      id: 23,
      scenario:
        "one instance's path to Redis held silent (TCP proxy holds every byte, connections open), 40 clients",
      expected:
        '/readyz 503 on it within the command timeout and a beat; its clients told to move after CHAT_REDIS_LOST_MOVE_MS; ready again once Redis answers; nothing lost or duplicated',
      figures: {
        ...run.verdict,
        clientsOnHeldInstance: run.clientsOnIt,
        notReadyAfterMs: run.notReadyMs,
        allMovedAfterMs: run.movedMs,
        readyAgainAfterReleaseMs: Number(run.readyAgainMs),
      },
      command: `${CMD} -t "23\\."`,
    });
    run.expectWhole();
  });
});
