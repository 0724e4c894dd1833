import { describe, expect, it } from 'vitest';
import { connectUser, until, useCluster, type TestInstance } from '../helpers/cluster.js';

// A burst of 10 events: a resume of 15 rooms outruns it.
const cluster = useCluster(2, {
  CHAT_RATE_BURST: '10',
  CHAT_RATE_PER_SEC: '20',
  CHAT_KEY_PREFIX: 'paced:',
});

describe('joins and a resume that outrun the rate', () => {
  it('ask again when told to slow down, and every room is joined and resumed', async () => {
    const [home, other] = cluster.nodes as [TestInstance, TestInstance];
    const { client: me } = await connectUser([home.url, other.url]);
    const { client: bob } = await connectUser([other.url]);
    cluster.clients.push(me, bob);
    const rooms = Array.from({ length: 15 }, (_, i) => `paced-${i}`);
    // Fifteen joins in a row against a burst of ten: the client paces itself.
    for (const room of rooms) await me.join(room);
    for (const room of rooms) await bob.join(room);
    // Its instance stops answering; bob writes in every room; then it dies.
    process.kill(home.pid, 'SIGSTOP');
    for (const room of rooms) {
      const sent = await bob.send(room, `missed in ${room}`);
      await until(bob, () => sent.state === 'sent', 20_000, 'the send acked');
      // bob's own pace: one message per room stays within his rate.
      await new Promise((r) => setTimeout(r, 60));
    }
    await home.kill('SIGKILL');
    await until(
      me,
      () =>
        rooms.every((room) =>
          me.rooms.get(room)!.messages.some((m) => m.text === `missed in ${room}`),
        ),
      30_000,
      'every room resumed',
    );
    expect(me.welcome?.instanceId).toBe(other.id);
  });
});
