import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll } from '../helpers/processes.js';
import { ChaosCluster, ChatLoad, record } from './harness.js';

let cluster: ChaosCluster;
const loads: ChatLoad[] = [];

beforeAll(async () => {
  cluster = await ChaosCluster.start(3, {
    CHAT_DRAIN_GRACE_MS: '4000',
    CHAT_DRAIN_SPREAD_MS: '1000',
  });
});
afterAll(async () => {
  cluster.stop();
  for (const l of loads) l.close();
  await killAll();
});

async function chatting(prefix: string): Promise<ChatLoad> {
  const load = new ChatLoad(cluster, {
    clients: 200,
    rooms: 4,
    ratePerSec: 40,
    users: 20,
    roomPrefix: prefix,
  });
  loads.push(load);
  await load.connect();
  load.start(2000);
  return load;
}

const CMD = 'npx vitest run -c vitest.chaos.config.ts test/chaos/instances.test.ts';

describe('chaos: instances dying under load', () => {
  it('1. SIGKILL one of three while 200 clients chat: nothing lost', async () => {
    const load = await chatting('kill1');
    await new Promise((r) => setTimeout(r, 2000)); // let the chat run before the fault
    const victim = cluster.nodes[1]!;
    const oldBoot = victim.bootId;
    await victim.kill('SIGKILL');
    await cluster.replaced(victim, oldBoot);
    await new Promise((r) => setTimeout(r, 2000)); // and after it
    await load.stop();
    const v = await load.verify();
    const rss = await cluster.maxRssBytes();
    record({
      id: 1,
      scenario: 'SIGKILL one of three instances while 200 clients chat',
      expected:
        'its clients reconnect elsewhere and resume; every client holds its room history exactly',
      figures: { ...v, serverRssMB: Math.round(rss / 2 ** 20) },
      command: `${CMD} -t "1\\."`,
    });
    expect(v.clients).toBe(200);
    expect(v.lost).toBe(0);
    expect(v.duplicated).toBe(0);
    expect(v.misordered).toBe(0);
    expect(v.reconnects).toBeGreaterThan(0);
    load.close();
  });

  it('2. SIGKILL two of three at once: nothing lost', async () => {
    const load = await chatting('kill2');
    await new Promise((r) => setTimeout(r, 2000));
    const [a, b] = [cluster.nodes[0]!, cluster.nodes[2]!];
    const boots = [a.bootId, b.bootId];
    await Promise.all([a.kill('SIGKILL'), b.kill('SIGKILL')]);
    await Promise.all([cluster.replaced(a, boots[0]!), cluster.replaced(b, boots[1]!)]);
    await new Promise((r) => setTimeout(r, 2000));
    await load.stop();
    const v = await load.verify();
    record({
      id: 2,
      scenario: 'SIGKILL two of three instances at once, 200 clients',
      expected: 'all clients end on the survivor or the replacements; nothing lost',
      figures: { ...v, serverRssMB: Math.round((await cluster.maxRssBytes()) / 2 ** 20) },
      command: `${CMD} -t "2\\."`,
    });
    expect(v.lost).toBe(0);
    expect(v.duplicated).toBe(0);
    expect(v.misordered).toBe(0);
    load.close();
  });

  it('3. rolling restart (SIGTERM drain, one at a time) under the same load: nothing lost', async () => {
    const load = await chatting('roll');
    await new Promise((r) => setTimeout(r, 1000));
    for (const node of cluster.nodes) {
      const oldBoot = node.bootId;
      await node.kill('SIGTERM'); // drains: clients are told to move, then it exits 0
      await cluster.replaced(node, oldBoot);
    }
    await new Promise((r) => setTimeout(r, 1000));
    await load.stop();
    const v = await load.verify();
    record({
      id: 3,
      scenario: 'rolling restart of all three instances (drain on SIGTERM), 200 clients chatting',
      expected: 'clients move when told, before the instance closes; nothing lost',
      figures: { ...v, serverRssMB: Math.round((await cluster.maxRssBytes()) / 2 ** 20) },
      command: `${CMD} -t "3\\."`,
    });
    expect(v.lost).toBe(0);
    expect(v.duplicated).toBe(0);
    expect(v.misordered).toBe(0);
    load.close();
  });
});
