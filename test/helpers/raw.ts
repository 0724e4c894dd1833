import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/protocol/index.js';

export type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A bare socket.io-client connection, for driving the wire protocol directly. */
export function rawSocket(url: string, auth: Record<string, unknown>): RawSocket {
  return io(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
}

/** Resolves on connect, rejects with the connect_error (its `data.code` included). */
export function connected(socket: RawSocket): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) =>
      reject(Object.assign(new Error(err.message), { code: err.data?.code })),
    );
  });
}

/** The `connect_error` code a handshake is refused with (or 'connected'). */
export async function handshakeOutcome(
  url: string,
  auth: Record<string, unknown>,
): Promise<string> {
  const s = rawSocket(url, auth);
  try {
    await connected(s);
    return 'connected';
  } catch (err) {
    return String((err as { code?: string }).code);
  } finally {
    s.close();
  }
}
