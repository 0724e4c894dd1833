import { describe, expect, it } from 'vitest';
import { SessionEndReason } from '../../src/protocol/index.js';
import { banMessage } from '../../src/server/auth/bans.js';
import { endUserSockets } from '../../src/server/transport/user-admin-handlers.js';
import { connectUser, until } from '../helpers/cluster.js';
import { useInProcessInstance } from '../helpers/in-process.js';
import { useTestRedis } from '../helpers/redis.js';

/**
 * An operator's ban ends the user's sessions in Redis first, then asks every instance to end
 * their sockets. An instance's session watch can read the ended session in between and end a
 * socket itself, before the request arrives (a CI run on Redis Cluster answered a ban of two
 * sockets, both ended, with `sockets: 1`). The ban still counts it. The instance runs in this
 * process so that the watch can be made to get there first, every time.
 */
describe('the sockets a ban counts', () => {
  const start = useInProcessInstance(useTestRedis());

  it('include those the session watch ended first, once', async () => {
    const { running, url } = await start('se:', 'se-1');
    const { ctx } = running;
    const first = await connectUser([url]);
    const second = await connectUser([url], { user: first.user });
    const user = first.user;
    try {
      const since = Date.now();
      const ban = { since, reason: 'spam' };
      const hashes = await ctx.accountOps.ban(user, ban);
      expect(hashes).toHaveLength(2);
      // The watch gets there first: it runs the full check it runs when revocations are heard
      // again, reads both sessions ended by the ban, and ends their sockets with the reason.
      ctx.sessions.onHeardAgain!();
      for (const c of [first.client, second.client]) {
        await until(c, () => c.state.kind === 'ended', 10_000, 'ended by the watch');
        expect(c.state).toMatchObject({ kind: 'ended', reason: 'banned' });
      }
      expect(ctx.io.of('/').sockets.size).toBe(0);

      const ended = { reason: SessionEndReason.Banned, message: banMessage(user, ban, since) };
      expect(await endUserSockets(ctx, user, hashes, ended)).toBe(2);
      // Counted once: a second request for the same sessions finds nothing more.
      expect(await endUserSockets(ctx, user, hashes, ended)).toBe(0);
    } finally {
      first.client.close();
      second.client.close();
    }
  });
});
