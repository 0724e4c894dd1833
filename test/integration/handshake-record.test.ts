import { describe, expect, it } from 'vitest';
import { connectUser, until } from '../helpers/cluster.js';
import { useInProcessInstance } from '../helpers/in-process.js';
import { useTestRedis } from '../helpers/redis.js';

/**
 * What an instance keeps of an accepted chat socket's handshake for the connection's life:
 * its user and session (in `socket.data`) and its address, not the request's headers, query,
 * URL or token (src/server/transport/dispatch.ts, `releaseRequest`). The instance runs in this
 * process, so that its sockets can be looked at.
 */
describe("a chat socket's handshake record", () => {
  const start = useInProcessInstance(useTestRedis());

  it('keeps the user, the session and the address, and nothing of the request', async () => {
    const { running, url } = await start('hs:', 'hs-1');
    const { client, user } = await connectUser([url]);
    try {
      const sockets = [...running.ctx.io.of('/').sockets.values()];
      expect(sockets).toHaveLength(1);
      const socket = sockets[0]!;
      expect(socket.data.user).toBe(user);
      expect(socket.data.sessionHash).toMatch(/\S/);
      expect(socket.handshake.address).toMatch(/127\.0\.0\.1/);
      expect(socket.handshake.issued).toBeGreaterThan(0);
      // Held for the connection's life otherwise: the request, every header string, the query,
      // the URL.
      expect((socket.conn as unknown as { request: unknown }).request).toBeNull();
      expect(Object.keys(socket.handshake.headers)).toEqual([]);
      expect(Object.keys(socket.handshake.query)).toEqual([]);
      expect(Object.keys(socket.handshake.auth)).toEqual([]);
      expect(socket.handshake.url).toBe('');
      expect(socket.handshake.time).toBe('');
      // The connection still works after it: a room joined, a message echoed.
      await client.join('hs');
      const sent = await client.send('hs', 'still here');
      expect(sent.state).toBe('sent');
      // The echo comes on the room's channel, not with the ack: waited for, not assumed.
      await until(
        client,
        () => client.rooms.get('hs')!.messages.some((m) => m.text === 'still here'),
        10_000,
        'the message echoed',
      );
    } finally {
      client.close();
    }
  });
});
