import type { Socket } from 'socket.io';
import {
  ChatError,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
} from '../../protocol/index.js';
import type { InstanceContext } from '../context.js';
import type { Logger } from '../ops/logger.js';

/** A socket of the admin namespace. */
export type AdminSocket = Socket<AdminClientToServerEvents, AdminServerToClientEvents>;

/** Wraps an admin action so that it is logged once with its outcome, failures included. */
export type Audited = <P, R>(
  action: string,
  target: (p: P) => unknown,
  fn: (p: P) => Promise<R>,
  outcome: (r: R) => string,
) => (p: P) => Promise<R>;

/** The audit wrapper for actions asked over `socket` (logged with where they came from). */
export function auditor(ctx: InstanceContext, socket: AdminSocket): Audited {
  const audit = (action: string, target: unknown, outcome: string): void =>
    ctx.log.info({ action, target, outcome, from: socket.handshake.address }, 'admin action');
  return (action, target, fn, outcome) => async (p) => {
    try {
      const r = await fn(p);
      audit(action, target(p), outcome(r));
      return r;
    } catch (err) {
      const code = err instanceof ChatError ? err.code : 'error';
      audit(action, target(p), `failed: ${code}`);
      throw err;
    }
  };
}

/**
 * Sends an inter-server request and collects the answers that arrive within the adapter's
 * request timeout; an instance that died mid-request just does not answer. An answer that
 * came too late is said in the log (`what`: the request), since the result counts without it.
 */
export function askOthers<T>(
  log: Logger,
  what: string,
  send: (cb: (err: Error | null, replies: T[]) => void) => void,
): Promise<T[]> {
  return new Promise((resolve) =>
    send((err, replies) => {
      if (err) log.warn({ request: what, err: err.message }, 'some instances did not answer');
      resolve(replies ?? []);
    }),
  );
}
