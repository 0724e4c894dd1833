import type { EventEmitter } from 'node:events';
import { ADMIN_FAILURE_WINDOW_MS, AdminGuesses } from '../auth/admin-guesses.js';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Namespace } from 'socket.io';
import {
  ADMIN_NAMESPACE,
  AdminBroadcastPayload,
  AdminRestartPayload,
  AdminRoomsPayload,
  AdminStatusPayload,
  ChatError,
  DrainReason,
  ErrorCode,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type Notice,
  type RestartResult,
} from '../../protocol/index.js';
import { roomOf } from '../rooms/room-names.js';
import type { InstanceContext } from '../context.js';
import { clusterStatus } from '../ops/status.js';
import { askOthers, auditor, type AdminSocket } from './admin-common.js';
import { handle } from './boundary.js';
import { listDirects, listRooms, serverMsgId } from './chat-handlers.js';
import { registerLoadtestHandlers } from './loadtest-handlers.js';
import { registerUserAdminHandlers, registerUserInterServer } from './user-admin-handlers.js';

type AdminNamespace = Namespace<AdminClientToServerEvents, AdminServerToClientEvents>;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** A read that failed because Redis is away, said plainly (the console exits 3 on it). */
function redisUnreachable(ctx: InstanceContext, err: unknown): ChatError {
  const why = err instanceof Error ? err.message : String(err);
  return new ChatError(
    ErrorCode.Unavailable,
    `Redis is unreachable from ${ctx.cfg.instanceId} (${why.slice(0, 200)})`,
  );
}

/** Compares tokens in constant time (hashing first makes the lengths equal). */
export function tokenMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** Counts this instance's sockets in a room, or delivers a notice to all its sockets. */
export function deliverLocally(ctx: InstanceContext, notice: Notice, room?: string): number {
  const local = ctx.io.local;
  if (room) return ctx.io.of('/').adapter.rooms.get(roomOf(room))?.size ?? 0;
  local.emit('notice:created', notice);
  return ctx.io.of('/').sockets.size;
}

/** Answers other instances' requests (broadcast counts, restarts, ending a user's sockets). */
export function registerInterServer(ctx: InstanceContext): void {
  registerUserInterServer(ctx);
  ctx.io.on('admin:deliver', ({ notice, room }, ack) => {
    ack(deliverLocally(ctx, notice, room));
  });
  ctx.io.on('instance:restart', ({ instanceId }, ack) => {
    if (instanceId !== ctx.cfg.instanceId || ctx.isDraining()) return ack(null);
    ack({ instanceId, bootId: ctx.bootId });
    ctx.log.info({ action: 'restart', target: instanceId }, 'restart requested by an operator');
    void ctx.drain(DrainReason.Restart);
  });
}

/** The token-guarded admin namespace: status, rooms, broadcast, restart, and accounts. */
export function registerAdminNamespace(ctx: InstanceContext): void {
  // Socket.IO types every namespace with the server's event maps; the admin namespace has
  // its own, declared in the protocol, so it is re-typed here once.
  const nsp = ctx.io.of(ADMIN_NAMESPACE) as unknown as AdminNamespace;
  const guesses = new AdminGuesses();
  nsp.use((socket, next) => {
    const auth = socket.handshake.auth as { adminToken?: unknown } | undefined;
    const from = socket.handshake.address;
    const fail = (code: ErrorCode, message: string, logged = true): void => {
      if (logged) {
        ctx.log.warn({ action: 'admin:connect', from, outcome: code }, 'admin connection refused');
      }
      next(Object.assign(new Error(message), { data: { code } }));
    };
    if (!ctx.cfg.adminToken) {
      return fail(ErrorCode.Forbidden, 'the admin API is disabled: set CHAT_ADMIN_TOKEN');
    }
    if (!tokenMatches(auth?.adminToken, ctx.cfg.adminToken)) {
      const logged = guesses.failed(from);
      if (!guesses.blocked(from)) {
        return fail(ErrorCode.Unauthorized, 'wrong or missing admin token');
      }
      if (logged) {
        ctx.log.warn(
          { action: 'admin:connect', from },
          `too many wrong admin tokens from this address: its refusals are not logged for ${ADMIN_FAILURE_WINDOW_MS / 1000} s`,
        );
      }
      // Still `unauthorized` (the console exits 1 on it, as on any wrong token), unlogged.
      return fail(ErrorCode.Unauthorized, 'wrong or missing admin token', false);
    }
    next();
  });

  nsp.on('connection', (socket: AdminSocket) => {
    const deps = { log: ctx.log, metrics: ctx.metrics };
    /** Every admin action is logged once with its outcome, failures included. */
    const audited = auditor(ctx, socket);
    // An event no handler takes is answered, as the chat namespace answers one (a client's
    // ack would otherwise wait for its timeout).
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const name = String(event);
      if ((socket as unknown as EventEmitter).listenerCount(name) > 0) return;
      const ack = args.at(-1);
      if (typeof ack !== 'function') return;
      ctx.metrics.rejected.inc({ code: ErrorCode.BadRequest });
      (ack as (r: unknown) => void)({
        ok: false,
        error: {
          code: ErrorCode.BadRequest,
          message: `unknown event ${JSON.stringify(name).slice(0, 60)}`,
        },
      });
    });
    registerLoadtestHandlers(socket, ctx);
    registerUserAdminHandlers(socket, ctx);

    handle<AdminClientToServerEvents, 'admin:status'>(
      socket,
      'admin:status',
      AdminStatusPayload,
      () => clusterStatus(ctx.redis.cmd, ctx.keys, ctx.cfg.instanceId, () => ctx.selfStatus()),
      deps,
    );

    handle<AdminClientToServerEvents, 'admin:rooms'>(
      socket,
      'admin:rooms',
      AdminRoomsPayload,
      async ({ directs }) => {
        try {
          const [rooms, info] = await Promise.all([
            listRooms(ctx, 1000),
            listDirects(ctx, { names: directs === true }),
          ]);
          return { rooms, directs: info };
        } catch (err) {
          throw redisUnreachable(ctx, err);
        }
      },
      deps,
    );

    handle<AdminClientToServerEvents, 'admin:broadcast'>(
      socket,
      'admin:broadcast',
      AdminBroadcastPayload,
      audited(
        'broadcast',
        ({ room }) => room ?? '*',
        async ({ text, room }) => {
          const notice: Notice = {
            id: randomBytes(8).toString('hex'),
            text,
            ts: Date.now(),
            from: 'admin',
          };
          let messageId: string | undefined;
          if (room) {
            // Only a join makes a room: a broadcast to a name nobody ever joined would make
            // one (its epoch, its history and its place in the room list).
            if (!(await ctx.history.peekMeta(room))) {
              throw new ChatError(
                ErrorCode.NotFound,
                `there is no room named ${room} (a room exists once someone joins it)`,
              );
            }
            const res = await ctx.history.append({
              room,
              from: 'admin',
              text,
              kind: 'broadcast',
              clientMsgId: serverMsgId(),
            });
            messageId = res.id;
          }
          const here = deliverLocally(ctx, notice, room);
          const others = await askOthers<number>(ctx.log, 'admin:deliver', (cb) =>
            ctx.io.serverSideEmit('admin:deliver', { notice, room }, cb),
          );
          const result = {
            clients: here + others.reduce((a, b) => a + b, 0),
            instances: 1 + others.length,
            ...(messageId ? { messageId } : {}),
          };
          return result;
        },
        (r) => `reached ${r.clients} clients on ${r.instances} instances`,
      ),
      deps,
    );

    handle<AdminClientToServerEvents, 'admin:restart'>(
      socket,
      'admin:restart',
      AdminRestartPayload,
      audited(
        'restart',
        ({ instanceId }) => instanceId,
        async ({ instanceId }) => {
          if (instanceId === ctx.cfg.instanceId) {
            if (ctx.isDraining()) {
              throw new ChatError(ErrorCode.Draining, `${instanceId} is already draining`);
            }
            // Answer first: this very connection goes away with the drain.
            setImmediate(() => void ctx.drain(DrainReason.Restart));
            return { instanceId, bootId: ctx.bootId };
          }
          const replies = await askOthers<RestartResult | null>(ctx.log, 'instance:restart', (cb) =>
            ctx.io.serverSideEmit('instance:restart', { instanceId }, cb),
          );
          const hit = replies.find((r): r is RestartResult => r !== null);
          if (!hit) {
            throw new ChatError(ErrorCode.NotFound, `no live, ready instance ${instanceId}`);
          }
          return hit;
        },
        (r) => `accepted, draining boot ${r.bootId}`,
      ),
      deps,
    );
  });
}
