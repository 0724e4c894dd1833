import { afterAll, describe, expect, it } from 'vitest';
import type { SendResult } from '../../src/protocol/index.js';
import { connectUser, readyzUntil, until, useCluster, userName } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';
import { ask, ok, socketPool } from '../helpers/raw.js';

const cluster = useCluster(3);
const { clients } = cluster;
const pool = socketPool();
afterAll(() => pool.closeAll());

describe('Redis going away and coming back', () => {
  it('keeps every instance up, fails sends visibly, and recovers without a restart', async () => {
    const { client: a } = await connectUser([cluster.nodes[0]!.url]);
    const { client: b } = await connectUser([cluster.nodes[1]!.url]);
    clients.push(a, b);
    await a.join('outage');
    await b.join('outage');
    for (let i = 0; i < 5; i++) expect((await a.send('outage', `before ${i}`)).state).toBe('sent');

    await cluster.redis.down();
    for (const n of cluster.nodes) await readyzUntil(n.url, 503, 10_000);

    const during = await a.send('outage', 'during the outage');
    expect(during.state).toBe('failed');
    expect(during.error?.code).toBe('unavailable');
    const viaB = await b.send('outage', 'also during');
    expect(viaB.state).toBe('failed');

    for (const n of cluster.nodes) expect(n.proc.exitCode).toBeNull();

    await cluster.redis.up();
    for (const n of cluster.nodes) await readyzUntil(n.url, 200, 15_000);
    for (const n of cluster.nodes) expect(n.proc.exitCode).toBeNull();

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
    const r = cluster.redis.client();
    expect(await r.xlen('chat:room:{outage}:log')).toBe(12);
    r.disconnect();
  });

  it('a send Redis did not answer in time is not said to be unsaved: Redis may store it late, and a repeat with its id is stored once', async () => {
    const { s } = await pool.user(cluster.nodes[0]!.url, userName('late'));
    await ok(ask(s, 'room:join', { room: 'late' }));
    const pid = await cluster.redis.pidOf('chat:room:{late}:log');
    const send = {
      room: 'late',
      text: 'told it may still be saved',
      clientMsgId: 'late-message-0001',
    };
    process.kill(pid, 'SIGSTOP');
    let answer;
    try {
      answer = await ask<SendResult>(s, 'message:send', send);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.error.code).toBe('unavailable');
      expect(answer.error.message).toMatch(/may still take effect/);
      expect(answer.error.message).not.toMatch(/nothing was saved/);
    }
    // Redis ran the append once it went on; the repeat finds it.
    const r = cluster.redis.client();
    try {
      await eventually(async () => expect(await r.xlen('chat:room:{late}:log')).toBe(1), {
        what: 'the late append stored',
      });
      const again = await ok(ask<SendResult>(s, 'message:send', send));
      expect(again.duplicate).toBe(true);
      expect(await r.xlen('chat:room:{late}:log')).toBe(1);
      // Nothing the failed send started was left unawaited.
      const unhandled = cluster.nodes[0]!.log.lines.filter((l) => l.msg === 'unhandled rejection');
      expect(unhandled).toEqual([]);
    } finally {
      r.disconnect();
    }
  });
});
