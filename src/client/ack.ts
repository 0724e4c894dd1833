import { ErrorCode, type Result } from '../protocol/index.js';

/**
 * Awaits an ack sent with Socket.IO's `socket.timeout(ms).emitWithAck(...)` and turns the
 * ways it can fail to come into the error body every caller already handles: no answer in
 * time, or a connection that dropped first (Socket.IO rejects those at once, so a caller
 * learns of it then, not at the deadline). Both are `unavailable`: asking again may work.
 */
export async function ackResult<T>(
  socket: { readonly connected: boolean },
  what: string,
  answer: () => Promise<Result<T>>,
): Promise<Result<T>> {
  if (!socket.connected) return unavailable('not connected');
  try {
    return await answer();
  } catch {
    return unavailable(
      socket.connected
        ? `no answer to ${what} in time`
        : `the connection dropped before ${what} was answered`,
    );
  }
}

const unavailable = <T>(message: string): Result<T> => ({
  ok: false,
  error: { code: ErrorCode.Unavailable, message },
});
