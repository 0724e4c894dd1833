import {
  AdminBanPayload,
  AdminKickPayload,
  AdminUserPayload,
  AdminUsersListPayload,
  SessionEndReason,
  type AdminClientToServerEvents,
  type Ban,
  type SessionEnded,
} from '../../protocol/index.js';
import { banMessage } from '../auth/bans.js';
import { userRoomOf } from '../rooms/room-names.js';
import type { InstanceContext } from '../context.js';
import { askOthers, auditor, type AdminSocket } from './admin-common.js';
import { handle } from './boundary.js';

/** Default length of `admin:users:list`. */
const LIST_DEFAULT = 100;

/**
 * Ends this instance's sockets of `user`: each is told why, then disconnected (the notice and
 * the disconnect go out on the socket itself, so the notice always arrives first). Returns how
 * many sockets of `sessions` are ended here: these, and those the session watch ended first
 * (it can read the ended sessions from Redis before this request arrives).
 */
function endLocalSockets(
  ctx: InstanceContext,
  user: string,
  sessions: readonly string[],
  ended: SessionEnded,
): number {
  const ids = ctx.io.of('/').adapter.rooms.get(userRoomOf(user));
  let n = 0;
  for (const id of [...(ids ?? [])]) {
    const s = ctx.io.of('/').sockets.get(id);
    if (!s) continue;
    s.emit('session:ended', ended);
    s.disconnect(true);
    n++;
  }
  return n + ctx.socketEndings.take(sessions);
}

/**
 * Ends every socket of `user` on every instance that answers (one that died mid-request has
 * no sockets left to end), after a change ended the sessions `sessions` in Redis. Call it once
 * they are gone from Redis and announced: a socket that connects after this is refused by the
 * handshake, and one this misses (its instance did not answer) is ended by that instance's
 * session sweep. Returns how many sockets of those sessions were ended.
 */
export async function endUserSockets(
  ctx: InstanceContext,
  user: string,
  sessions: string[],
  ended: SessionEnded,
): Promise<number> {
  const here = endLocalSockets(ctx, user, sessions, ended);
  const others = await askOthers<number>(ctx.log, 'user:end', (cb) =>
    ctx.io.serverSideEmit('user:end', { user, sessions, ended }, cb),
  );
  return here + others.reduce((a, b) => a + b, 0);
}

/**
 * After an account change that ended `hashes` in Redis: no instance trusts them from its cache
 * any more, and every socket of the user is told why and disconnected. Returns how many.
 */
async function endSessions(
  ctx: InstanceContext,
  user: string,
  hashes: string[],
  ended: SessionEnded,
): Promise<number> {
  await ctx.sessions.forget(hashes);
  return endUserSockets(ctx, user, hashes, ended);
}

/** Answers other instances' requests to end a user's sockets here. */
export function registerUserInterServer(ctx: InstanceContext): void {
  ctx.io.on('user:end', ({ user, sessions, ended }, ack) =>
    ack(endLocalSockets(ctx, user, sessions ?? [], ended)),
  );
}

/** Account handlers of the admin namespace: kick, user list and delete, ban and unban. */
export function registerUserAdminHandlers(socket: AdminSocket, ctx: InstanceContext): void {
  const deps = { log: ctx.log, metrics: ctx.metrics };
  const audited = auditor(ctx, socket);

  handle<AdminClientToServerEvents, 'admin:kick'>(
    socket,
    'admin:kick',
    AdminKickPayload,
    audited(
      'kick',
      (p) => p.user,
      async ({ user }) => {
        // A typo in the name of someone to throw out is said, not reported done.
        await ctx.accountOps.requireAccount(user);
        const hashes = await ctx.sessions.revokeAll(user, SessionEndReason.Kicked);
        const sockets = await endUserSockets(ctx, user, hashes, {
          reason: SessionEndReason.Kicked,
        });
        return { sockets };
      },
      (r) => `${r.sockets} sockets`,
    ),
    deps,
  );

  handle<AdminClientToServerEvents, 'admin:users:list'>(
    socket,
    'admin:users:list',
    AdminUsersListPayload,
    ({ limit }) => ctx.accountOps.list(limit ?? LIST_DEFAULT),
    deps,
  );

  handle<AdminClientToServerEvents, 'admin:users:delete'>(
    socket,
    'admin:users:delete',
    AdminUserPayload,
    audited(
      'user:delete',
      (p) => p.user,
      async ({ user }) => {
        const hashes = await ctx.accountOps.delete(user);
        const sockets = await endSessions(ctx, user, hashes, {
          reason: SessionEndReason.AccountDeleted,
          message: `the account "${user}" was deleted by an operator`,
        });
        return { user, sessions: hashes.length, sockets };
      },
      (r) => `deleted; ${r.sessions} sessions, ${r.sockets} sockets ended`,
    ),
    deps,
  );

  handle<AdminClientToServerEvents, 'admin:users:ban'>(
    socket,
    'admin:users:ban',
    AdminBanPayload,
    audited(
      'user:ban',
      (p) => p.user,
      async ({ user, forMs, reason }) => {
        const since = Date.now();
        const ban: Ban = {
          since,
          ...(reason ? { reason } : {}),
          ...(forMs ? { until: since + forMs } : {}),
        };
        const hashes = await ctx.accountOps.ban(user, ban);
        const sockets = await endSessions(ctx, user, hashes, {
          reason: SessionEndReason.Banned,
          message: banMessage(user, ban, since),
        });
        return { user, ban, sessions: hashes.length, sockets };
      },
      (r) =>
        `banned ${r.ban.until ? `until ${new Date(r.ban.until).toISOString()}` : 'without end'}; ` +
        `${r.sessions} sessions, ${r.sockets} sockets ended`,
    ),
    deps,
  );

  handle<AdminClientToServerEvents, 'admin:users:unban'>(
    socket,
    'admin:users:unban',
    AdminUserPayload,
    audited(
      'user:unban',
      (p) => p.user,
      async ({ user }) => ({ user, wasBanned: await ctx.accountOps.unban(user) }),
      (r) => (r.wasBanned ? 'unbanned' : 'was not banned'),
    ),
    deps,
  );
}
