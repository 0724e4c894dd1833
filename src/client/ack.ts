import type { z } from 'zod';
import {
  ChatAnswers,
  ErrorCode,
  type AckData,
  type ClientToServerEvents,
  type Result,
} from '../protocol/index.js';

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

/**
 * {@link ackResult} for a chat event, with the answer checked against the protocol's schema
 * for it (`ChatAnswers`): one that does not match is a failure (`internal`), never data.
 */
export async function chatAck<E extends keyof ClientToServerEvents>(
  socket: { readonly connected: boolean },
  event: E,
  answer: () => Promise<Result<AckData<E>>>,
): Promise<Result<AckData<E>>> {
  const res = await ackResult(socket, event, answer);
  const schema: z.ZodType<Result<AckData<E>>> = ChatAnswers[event];
  const checked = schema.safeParse(res);
  if (checked.success) return checked.data;
  return {
    ok: false,
    error: { code: ErrorCode.Internal, message: `malformed answer to ${event}` },
  };
}

const unavailable = <T>(message: string): Result<T> => ({
  ok: false,
  error: { code: ErrorCode.Unavailable, message },
});

/** How often, and after how long (times the attempt), a request told to slow down is asked again. */
export const RATE_LIMITED_TRIES = 8;
export const RATE_LIMITED_WAIT_MS = 250;

/**
 * Asks, and asks again, paced, while the server answers `rate_limited`: a user's clients share
 * one rate on an instance, and joining (or resuming) many rooms at once can outrun its burst.
 * Gives the last answer after {@link RATE_LIMITED_TRIES}, or as soon as `stop` says so (the
 * connection it was asked on is gone).
 */
export async function paced<T>(
  ask: () => Promise<Result<T>>,
  stop: () => boolean = () => false,
): Promise<Result<T>> {
  for (let attempt = 1; ; attempt++) {
    const res = await ask();
    if (res.ok || res.error.code !== ErrorCode.RateLimited) return res;
    if (attempt >= RATE_LIMITED_TRIES || stop()) return res;
    await new Promise((r) => setTimeout(r, RATE_LIMITED_WAIT_MS * attempt));
  }
}
