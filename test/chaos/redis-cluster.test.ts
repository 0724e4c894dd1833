import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeys } from '../../src/server/redis/keys.js';
import { readMetric } from '../helpers/metrics.js';
import { killAll } from '../helpers/processes.js';
import { TestRedisCluster } from '../helpers/redis-cluster.js';
import { ChaosCluster, ChatLoad, percentile, record } from './harness.js';

const CMD = 'npx vitest run -c vitest.chaos.config.ts test/chaos/redis-cluster.test.ts';
const keys = makeKeys('chat:');

let store: TestRedisCluster;
const loads: ChatLoad[] = [];
const clusters: ChaosCluster<TestRedisCluster>[] = [];

beforeAll(async () => {
  // 3 masters, one replica each; a master is declared failed after 2 s.
  store = await TestRedisCluster.start({ masters: 3, replicas: 1, nodeTimeoutMs: 2000 });
}, 60_000);
afterAll(async () => {
  for (const c of clusters) c.stop();
  for (const l of loads) l.close();
  await killAll();
});

async function instances(
  env: Record<string, string> = {},
): Promise<ChaosCluster<TestRedisCluster>> {
  const c = await ChaosCluster.on(store, 3, env);
  clusters.push(c);
  return c;
}

async function retire(c: ChaosCluster<TestRedisCluster>): Promise<void> {
  c.stop();
  for (const n of c.nodes) await n.kill('SIGKILL');
}

function load(c: ChaosCluster<TestRedisCluster>, prefix: string): ChatLoad {
  const l = new ChatLoad(c, {
    clients: 200,
    rooms: 6,
    ratePerSec: 40,
    users: 20,
    roomPrefix: prefix,
  });
  loads.push(l);
  return l;
}

const ms = (xs: number[], p: number): number =>
  Math.round(
    percentile(
      [...xs].sort((a, b) => a - b),
      p,
    ),
  );

/** Kills the master serving `room`'s slot and waits until its replica has taken over. */
async function killMasterOf(room: string): Promise<{ port: number; failoverMs: number }> {
  const port = await store.masterOf(keys.roomLog(room));
  const t0 = Date.now();
  await store.kill(port);
  await store.waitHealthy(30_000);
  // waitHealthy may see "ok" before the failure is noticed: wait for the new owner too.
  for (;;) {
    const owner = await store.masterOf(keys.roomLog(room)).catch(() => port);
    if (owner !== port) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, failoverMs: Date.now() - t0 };
}

describe('chaos: Redis Cluster failover', () => {
  it('21. SIGKILL a Redis master under 200 chatting clients: its replica takes over, clients resume', async () => {
    const c = await instances();
    const l = load(c, 'shard');
    await l.connect();
    l.start(3000);
    await new Promise((r) => setTimeout(r, 2000));
    const { failoverMs } = await killMasterOf(l.roomName(0));
    await new Promise((r) => setTimeout(r, 2000));
    await l.stop();
    const v = await l.verify();
    record({
      id: 21,
      scenario:
        'SIGKILL the Redis Cluster master of a busy room (3 masters, 1 replica each) under 200 chatting clients',
      expected:
        'instances stay up; sends to that shard fail until the replica is promoted and are retried; clients resume; what the history keeps, every client holds once, in order. Acked writes the master had not yet replicated are lost (asynchronous replication): counted as ackedLost, and as phantom where clients had already received them',
      figures: {
        ...v,
        failoverMs,
        failedSends: l.failedSends,
        ackP50Ms: ms(l.ackMs, 50),
        ackP99Ms: ms(l.ackMs, 99),
        instanceRestarts: c.restarts,
      },
      command: `${CMD} -t "21\\."`,
    });
    expect(c.restarts).toBe(0);
    expect(v.clients).toBe(200);
    expect(v.lost).toBe(0);
    expect(v.duplicated).toBe(0);
    // Whatever replication lost is the only difference between a client and the history.
    expect(v.phantom).toBeLessThanOrEqual(v.ackedLost * 200);
    l.close();
    await retire(c);
    // The killed node comes back as a replica of the new master.
    await store.up();
  });

  it('22. WAIT 1 on every append: what it costs per send', async () => {
    // The same load on instances without and with WAIT, no faults: the ack latency of each.
    const measure = async (prefix: string, env: Record<string, string>) => {
      const c = await instances(env);
      const l = load(c, prefix);
      await l.connect();
      l.start(320);
      await new Promise((r) => setTimeout(r, 8000));
      await l.stop();
      const v = await l.verify();
      let unreplicated = 0;
      for (const n of c.nodes) {
        unreplicated += await readMetric(n.url, 'chat_append_unreplicated_total');
      }
      const out = { v, p50: ms(l.ackMs, 50), p99: ms(l.ackMs, 99), unreplicated };
      l.close();
      await retire(c);
      return out;
    };
    const plain = await measure('nowait', {});
    // A bound on WAIT well above a replica's round trip on a busy machine: the check is that an
    // ack waits for the replica, not how fast this machine's replica is (the default bound,
    // 20 ms, acks anyway when it is slower, and counts it).
    const waited = await measure('wait', {
      CHAT_APPEND_WAIT_REPLICAS: '1',
      CHAT_APPEND_WAIT_TIMEOUT_MS: '2000',
    });
    record({
      id: 22,
      scenario:
        'the same load (200 clients, 40 msg/s) without and with CHAT_APPEND_WAIT_REPLICAS=1 (bound 2 s), no faults',
      expected:
        'with WAIT an ack means the replica has the write (a failover keeps every acked message); the price is a replica round trip on every append, and WAIT blocks its connection meanwhile',
      figures: {
        messages: plain.v.messages + waited.v.messages,
        lost: plain.v.lost + waited.v.lost,
        duplicated: plain.v.duplicated + waited.v.duplicated,
        ackP50MsNoWait: plain.p50,
        ackP99MsNoWait: plain.p99,
        ackP50MsWait: waited.p50,
        ackP99MsWait: waited.p99,
        unreplicatedAcks: waited.unreplicated,
      },
      command: `${CMD} -t "22\\."`,
    });
    expect(plain.v.lost + waited.v.lost).toBe(0);
    expect(plain.v.duplicated + waited.v.duplicated).toBe(0);
    expect(waited.unreplicated).toBe(0);
  });
});
