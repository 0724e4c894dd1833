import type { Server as HttpServer } from 'node:http';
import {
  ADMIN_NAMESPACE,
  ErrorCode,
  type ConnectRefusal,
  type SessionEndReason,
} from '../../protocol/index.js';
import type { InstanceContext } from '../context.js';
import { parseToken, refusal } from '../auth/sessions.js';
import { ConnectionGuard } from './conn-guard.js';
import { failedInScript } from '../redis/scripts.js';

/** A handshake's refusal: its message, and its code (and why a session ended) as data. */
function connectError(code: ErrorCode, message: string, ended?: SessionEndReason): Error {
  const data: ConnectRefusal = ended ? { code, ended } : { code };
  return Object.assign(new Error(message), { data });
}

/**
 * Who may connect: unauthenticated connections are capped per address (unless a balancer
 * in front does it), and a Socket.IO handshake needs a live session token of the account's
 * current incarnation, no ban on the account, no flood penalty on the session, and an instance
 * that is not draining (session, account, ban and penalty: one script, or none for a session
 * this instance has cached). A refusal carries an error code, which tells the client whether
 * to try again.
 */
export function installHandshake(ctx: InstanceContext, http: HttpServer): void {
  const { cfg, io, log, metrics } = ctx;
  if (!cfg.trustProxy) {
    new ConnectionGuard(cfg.unauthConnPerIp, log, metrics).attach(http, io, ['/', ADMIN_NAMESPACE]);
  }
  io.use((socket, next) => {
    if (ctx.isDraining()) {
      return next(connectError(ErrorCode.Draining, `${cfg.instanceId} is draining`));
    }
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') {
      return next(connectError(ErrorCode.Unauthorized, 'no session token; log in first'));
    }
    // A string not shaped like a token costs no round trip.
    const parsed = parseToken(token);
    if (!parsed) {
      const { code, message } = refusal({ ok: false, why: 'invalid' });
      return next(connectError(code, message));
    }
    ctx.sessions.resolve(parsed).then(
      (resolved) => {
        if (!resolved.ok) {
          const { code, message, ended } = refusal(resolved);
          return next(connectError(code, message, ended));
        }
        const { session, penaltyMs } = resolved;
        if (penaltyMs > 0) {
          metrics.rejected.inc({ code: ErrorCode.RateLimited });
          return next(
            connectError(
              ErrorCode.RateLimited,
              `cut off for flooding: wait ${Math.ceil(penaltyMs / 1000)} s before reconnecting`,
            ),
          );
        }
        socket.data = {
          user: session.user,
          sessionHash: session.hash,
          since: Number(session.createdAt),
        };
        // The session is known by its hash from here on: the token itself is not kept in
        // memory for the life of the connection (Socket.IO would hold it in `handshake.auth`).
        delete (socket.handshake.auth as { token?: unknown }).token;
        next();
      },
      (err: unknown) => {
        // The session script could not read one of this user's records (one not written by
        // the server: edited by hand, or a key of another type). Nothing is wrong with the
        // storage, and the user cannot connect until it is mended.
        if (failedInScript(err)) {
          log.warn(
            { user: parsed.user, err: (err as Error).message },
            "handshake could not read the user's session or account record",
          );
          return next(
            connectError(
              ErrorCode.Unavailable,
              "the server cannot read this account's records; the operator's log names them",
            ),
          );
        }
        // Redis unreachable, or not serving (a failover, a restart loading its data): retry.
        log.warn(
          { err: (err as Error).message },
          'handshake could not read the session from Redis',
        );
        next(connectError(ErrorCode.Unavailable, 'storage is unavailable; retry shortly'));
      },
    );
  });
}
