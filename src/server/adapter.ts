import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { RedisConn } from './redis.js';

/** Socket.IO rooms that never get a sharded channel of their own (see {@link chatAdapter}). */
const NAMESPACE_CHANNEL_ROOM = /^u:/;

/** The parts of the sharded adapter (8.3) this file adjusts; its class is not exported. */
interface ShardedAdapterInternals {
  channel: string;
  shouldUseASeparateNamespace(room: string): boolean;
  computeChannel(message: { type: number; data?: { opts?: { rooms?: unknown[] } } }): string;
}

type AdapterFactory = ReturnType<typeof createShardedAdapter>;

/**
 * The Redis sharded adapter in 'dynamic' mode (one channel per chat room: presence and
 * typing of a room reach only the instances with members in it), except for the per-user
 * rooms (`u:<user>`). Every socket joins its user's room, and in 'dynamic' mode each such room
 * costs an SSUBSCRIBE when the user's first socket arrives and an SUNSUBSCRIBE when the last
 * one leaves: two Redis commands per connection and one channel per online user, for rooms
 * that are addressed by cluster-wide requests (fetchSockets) and rare notices only. Those
 * travel on the namespace channel, which every instance hears anyway.
 */
export function chatAdapter(pub: RedisConn, sub: RedisConn, channelPrefix: string): AdapterFactory {
  const factory = createShardedAdapter(pub, sub, { channelPrefix, subscriptionMode: 'dynamic' });
  // Socket.IO calls the factory with `new`: a function, not an arrow, whose returned object wins.
  return function shardedChatAdapter(nsp: Parameters<AdapterFactory>[0]) {
    const adapter = factory(nsp);
    const inner = adapter as unknown as ShardedAdapterInternals;
    const separate = inner.shouldUseASeparateNamespace.bind(adapter);
    const compute = inner.computeChannel.bind(adapter);
    inner.shouldUseASeparateNamespace = (room) =>
      !NAMESPACE_CHANNEL_ROOM.test(room) && separate(room);
    inner.computeChannel = (message) => {
      const rooms = message.data?.opts?.rooms;
      if (rooms?.length === 1 && NAMESPACE_CHANNEL_ROOM.test(String(rooms[0]))) {
        return inner.channel;
      }
      return compute(message);
    };
    return adapter;
  } as AdapterFactory;
}
