import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeys } from '../../src/server/keys.js';
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

  it('22. WAIT 1 on every append: its latency, and a master SIGKILL loses no acked write', async () => {
    // Latency first, without faults: the same load on instances without and with WAIT.
    const plain = await instances();
    const lp = load(plain, 'nowait');
    await lp.connect();
    lp.start(320);
    await new Promise((r) => setTimeout(r, 8000));
    await lp.stop();
    const base = { p50: ms(lp.ackMs, 50), p99: ms(lp.ackMs, 99) };
    lp.close();
    await retire(plain);

    const c = await instances({
      CHAT_APPEND_WAIT_REPLICAS: '1',
      CHAT_APPEND_WAIT_TIMEOUT_MS: '500',
    });
    const l = load(c, 'wait');
    await l.connect();
    l.start(3000);
    await new Promise((r) => setTimeout(r, 2000));
    const before = l.ackMs.length;
    const waited = { p50: ms(l.ackMs.slice(0, before), 50), p99: ms(l.ackMs.slice(0, before), 99) };
    const { failoverMs } = await killMasterOf(l.roomName(1));
    await new Promise((r) => setTimeout(r, 2000));
    await l.stop();
    const v = await l.verify();
    let unreplicated = 0;
    for (const n of c.nodes) {
      const text = await (await fetch(`${n.url}/metrics`)).text();
      unreplicated += Number(/^chat_append_unreplicated_total\S* (\d+)/m.exec(text)?.[1] ?? 0);
    }
    record({
      id: 22,
      scenario:
        'the same master SIGKILL with CHAT_APPEND_WAIT_REPLICAS=1 (each append waits for its replica)',
      expected:
        'an ack means the replica has the write, so the promoted replica keeps every acked message; the price is the WAIT round trip on every send',
      figures: {
        ...v,
        failoverMs,
        unreplicatedAcks: unreplicated,
        ackP50MsNoWait: base.p50,
        ackP99MsNoWait: base.p99,
        ackP50MsWait: waited.p50,
        ackP99MsWait: waited.p99,
      },
      command: `${CMD} -t "22\\."`,
    });
    expect(v.lost).toBe(0);
    expect(v.duplicated).toBe(0);
    if (unreplicated === 0) {
      expect(v.ackedLost).toBe(0);
      expect(v.phantom).toBe(0);
    }
    l.close();
  });
});
