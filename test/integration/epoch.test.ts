import { describe, expect, it } from 'vitest';
import type { ChatClient } from '../../src/client/chat-client.js';
import { makeKeys } from '../../src/server/redis/keys.js';
import { connectUser, until, useCluster } from '../helpers/cluster.js';

const cluster = useCluster(2);
const keys = makeKeys('chat:');

const seqs = (c: ChatClient, room: string): number[] =>
  c.rooms.get(room)?.messages.map((m) => m.seq) ?? [];

describe('a room whose history was lost on the server (epoch)', () => {
  it('is reloaded visibly by live and reconnecting clients, never mixed with the old one', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const sender = await connectUser([a]);
    const live = await connectUser([a]);
    const away = await connectUser([b, a], { backoffMinMs: 100, backoffMaxMs: 300 });
    cluster.clients.push(sender.client, live.client, away.client);
    for (const c of [sender.client, live.client, away.client]) await c.join('epoch-room');
    for (let i = 0; i < 5; i++) await sender.client.send('epoch-room', `old ${i}`);
    await until(away.client, () => seqs(away.client, 'epoch-room').length === 5, 10_000, 'old 5');
    await until(live.client, () => seqs(live.client, 'epoch-room').length === 5, 10_000, 'old 5');
    const oldEpoch = live.client.rooms.get('epoch-room')!.epoch;
    expect(oldEpoch).toBeTruthy();

    // The room's keys are lost (a restored backup, a failover that lost them; FLUSHALL does
    // the same and also ends every session): its sequence starts again at 1.
    const r = cluster.redis.client();
    await r.del(keys.roomLog('epoch-room'), keys.roomMeta('epoch-room'));
    r.disconnect();
    const statuses: string[] = [];
    live.client.on('status', (s) => statuses.push(s));
    // One client is away (its instance killed) while the new history begins.
    await cluster.nodes[1]!.kill('SIGKILL');
    for (let i = 0; i < 3; i++) await sender.client.send('epoch-room', `new ${i}`);

    for (const c of [sender.client, live.client, away.client]) {
      await until(
        c,
        () =>
          c.rooms
            .get('epoch-room')!
            .messages.map((m) => m.text)
            .join() === 'new 0,new 1,new 2',
        15_000,
        'only the new history',
      );
      const room = c.rooms.get('epoch-room')!;
      expect(seqs(c, 'epoch-room')).toEqual([1, 2, 3]);
      expect(room.epoch).not.toBe(oldEpoch);
      expect(room.gaps).toEqual([{ afterSeq: 0, missing: 0, reset: true }]);
      expect(room.lines()[0]).toEqual({
        kind: 'gap',
        gap: { afterSeq: 0, missing: 0, reset: true },
      });
      // Later messages carry on in the new epoch, without holes.
      expect(room.resumeFrom()).toBe(room.messages[2]!.id);
    }
    expect(away.client.welcome?.instanceId).toBe('chat-1');
    expect(statuses.some((s) => /history of #epoch-room was reset/.test(s))).toBe(true);
  });
});
