import type { IncomingHttpHeaders } from 'node:http';
import type { ParsedUrlQuery } from 'node:querystring';
import { ErrorCode, SessionEndReason } from '../../protocol/index.js';
import { userRoomOf } from '../rooms/room-names.js';
import type { ChatSocket } from './io-types.js';
import type { InstanceContext } from '../context.js';
import { strikesAfter, type FloodPenalty } from '../auth/rate-limit.js';
import { UserLimitsTable } from './user-limits.js';
import { dispatch } from './boundary.js';
import { CHAT_HANDLERS, onSocketGone } from './chat-handlers.js';
import { holdFirstWrites, releaseFirstWrites } from './first-writes.js';
import { roomFrameWrites } from './room-frames.js';

/** Engine.IO's ping interval (told to clients in the welcome). */
export const PING_INTERVAL_MS = 25_000;
/** How long Engine.IO waits for a ping's pong before it drops the connection. */
export const PING_TIMEOUT_MS = 20_000;

/** Shared by every accepted chat socket's handshake record in place of its own. */
const NO_HEADERS: Readonly<IncomingHttpHeaders> = Object.freeze({});
const NO_QUERY: Readonly<ParsedUrlQuery> = Object.freeze({});
const NO_AUTH: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Lets go of what Socket.IO keeps of a connection's request for the connection's whole life,
 * once the handshake has taken what it needs (the user and session into `socket.data`, the
 * token out of `auth`) and the connection guard has released the connection (its listener
 * runs first):
 * - the request itself (`conn.request`: its headers, its parser's leftovers), Socket.IO's
 *   memory advice;
 * - the handshake record's parsed headers (the request's header strings stay reachable from
 *   them after the request is dropped), query, URL and time as a date string: 659 bytes of a
 *   connection's live heap by heap snapshots (bench/ANALYSIS.md, section w).
 * The address and `issued` (the time, as a number) stay. Nothing of this server reads the rest
 * after the handshake, and `fetchSockets`, which ships handshakes to other instances, is not
 * used. (Engine.IO's own hold on the upgrade's request is let go in upgrade-gate.ts.)
 */
function releaseRequest(socket: ChatSocket): void {
  (socket.conn as { request: unknown }).request = null;
  const hs = socket.handshake;
  hs.headers = NO_HEADERS;
  hs.query = NO_QUERY;
  hs.auth = NO_AUTH;
  hs.url = '';
  hs.time = '';
}

/** Answers a request the chat namespace refuses before any handler, and counts it. */
function refuse(
  metrics: InstanceContext['metrics'],
  packet: unknown[],
  code: ErrorCode,
  message: string,
): void {
  metrics.rejected.inc({ code });
  const ack = packet[packet.length - 1];
  if (typeof ack === 'function')
    (ack as (r: unknown) => void)({ ok: false, error: { code, message } });
}

/**
 * Serves each authenticated chat socket: every packet passes its token bucket (a socket that
 * keeps flooding is cut off and penalised), then runs from the shared handler table; the
 * socket is welcomed once and its presence cleaned up when it goes.
 */
export function serveChatSockets(ctx: InstanceContext, floods: FloodPenalty): void {
  const { cfg, io, log, metrics, bootId } = ctx;
  const handlerDeps = { log, metrics };
  const chat = io.of('/');
  metrics.connectedSockets = () => chat.sockets.size;
  metrics.roomFramesJoinedSoFar = () => roomFrameWrites.joined;
  /**
   * One token bucket per user on this instance, shared by the user's sockets here: a rate
   * limit per socket let one session open 30 sockets and store 1000 messages a second.
   */
  const limits = new UserLimitsTable({
    perSec: cfg.rateLimitPerSec,
    burst: cfg.rateLimitBurst,
    searchPerSec: cfg.searchScanPerSec,
  });
  const serve = (socket: ChatSocket): void => {
    const bucket = limits.hold(socket).requests;
    /** Set once the socket is cut off for flooding: what it had still sent is dropped unread. */
    let cutOff = false;
    /** This socket's refusals since the bucket was last calm (see `strikesAfter`). */
    let strikes = 0;
    void socket.join(userRoomOf(socket.data.user));
    socket.use((packet) => {
      if (cutOff) return;
      const took = bucket.take();
      strikes = strikesAfter(took, bucket, strikes);
      if (!took) {
        refuse(metrics, packet, ErrorCode.RateLimited, 'slow down: too many requests');
        if (strikes >= cfg.floodDisconnectAfter) {
          // Once per socket: the packets it had already sent are not each worth a line, and
          // are dropped unread from here on. The penalty is stored before the socket is cut:
          // a flooder that reconnects the moment it is cut finds it already in place.
          cutOff = true;
          const { user, sessionHash } = socket.data;
          const cut = (): void => {
            socket.emit('session:ended', { reason: SessionEndReason.Flood });
            socket.disconnect(true);
          };
          floods.punish(user, sessionHash).then(
            (penaltyMs) => {
              cut();
              log.warn({ user, socket: socket.id, penaltyMs }, 'flooding socket cut off');
            },
            (err: unknown) => {
              cut();
              log.warn(
                { user, socket: socket.id, err: (err as Error).message },
                'flooding socket cut off (penalty not stored or not announced)',
              );
            },
          );
        }
        return;
      }
      // Every known event is run from the shared handler table right here; no per-socket
      // listeners, so `next` is never called for them.
      if (!dispatch(CHAT_HANDLERS, socket, ctx, packet, handlerDeps)) {
        const unknown = JSON.stringify(String(packet[0])).slice(0, 60);
        refuse(metrics, packet, ErrorCode.BadRequest, `unknown event ${unknown}`);
      }
    });
    socket.on('disconnecting', () => {
      limits.release(socket);
      onSocketGone(socket, ctx).catch((err: unknown) =>
        log.debug({ err: (err as Error).message }, 'presence cleanup deferred to expiry'),
      );
    });
    releaseRequest(socket);
    socket.emit('session:welcome', {
      user: socket.data.user,
      instanceId: cfg.instanceId,
      bootId,
      serverTime: Date.now(),
      pingIntervalMs: PING_INTERVAL_MS,
    });
  };
  // Runs after the handshake's middleware, for the sockets it accepted: their writes are held
  // from here until the welcome is queued, so that Socket.IO's CONNECT and the welcome leave in
  // one write (first-writes.ts).
  io.use((socket, next) => {
    holdFirstWrites(socket);
    next();
  });
  io.on('connection', (socket: ChatSocket) => {
    try {
      serve(socket);
    } finally {
      releaseFirstWrites(socket);
    }
  });
}
