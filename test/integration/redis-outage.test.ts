import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatClient } from '../../src/client/chat-client.js';
import { connectUser, startInstances, until, type TestInstance } from '../helpers/cluster.js';
import { killAll } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let nodes: TestInstance[];
const clients: ChatClient[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  nodes = await startInstances(3, redis.url);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await killAll();
});

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

/** Polls an instance's /readyz until it answers `status` (readiness has no event to await). */
async function readyzUntil(url: string, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readyz(url)) !== status) {
    if (Date.now() > deadline) throw new Error(`${url}/readyz never answered ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Redis going away and coming back', () => {
  it('keeps every instance up, fails sends visibly, and recovers without a restart', async () => {
    const { client: a } = await connectUser([nodes[0]!.url]);
    const { client: b } = await connectUser([nodes[1]!.url]);
    clients.push(a, b);
    await a.join('outage');
    await b.join('outage');
    for (let i = 0; i < 5; i++) expect((await a.send('outage', `before ${i}`)).state).toBe('sent');

    await redis.down();
    for (const n of nodes) await readyzUntil(n.url, 503, 10_000);

    const during = await a.send('outage', 'during the outage');
    expect(during.state).toBe('failed');
    expect(during.error?.code).toBe('unavailable');
    const viaB = await b.send('outage', 'also during');
    expect(viaB.state).toBe('failed');

    for (const n of nodes) expect(n.proc.exitCode).toBeNull();

    await redis.up();
    for (const n of nodes) await readyzUntil(n.url, 200, 15_000);
    for (const n of nodes) expect(n.proc.exitCode).toBeNull();

    // The failed sends are retried by the clients with the same ids, and stored once.
    await until(a, () => during.state === 'sent', 20_000, 'retry of the failed send');
    await until(b, () => viaB.state === 'sent', 20_000, 'retry of the failed send on b');
    for (let i = 0; i < 5; i++) expect((await a.send('outage', `after ${i}`)).state).toBe('sent');

    const expected = [
      ...Array.from({ length: 5 }, (_, i) => `before ${i}`),
      'during the outage',
      'also during',
      ...Array.from({ length: 5 }, (_, i) => `after ${i}`),
    ].sort();
    for (const c of [a, b]) {
      await until(c, () => c.rooms.get('outage')!.messages.length === 12, 15_000, '12 messages');
      await c.settled();
      const texts = c.rooms.get('outage')!.messages.map((m) => m.text);
      expect([...texts].sort()).toEqual(expected);
      expect(new Set(c.rooms.get('outage')!.messages.map((m) => m.id)).size).toBe(12);
    }
    expect(b.rooms.get('outage')!.messages.map((m) => m.id)).toEqual(
      a.rooms.get('outage')!.messages.map((m) => m.id),
    );
    const r = redis.client();
    expect(await r.xlen('chat:room:outage:log')).toBe(12);
    r.disconnect();
  });
});
