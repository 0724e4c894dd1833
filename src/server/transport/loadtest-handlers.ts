import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import type { Socket } from 'socket.io';
import {
  AdminLoadtestCleanupPayload,
  AdminUsersCreatePayload,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
} from '../../protocol/index.js';
import { newAccount } from '../auth/accounts.js';
import type { InstanceContext } from '../context.js';
import { newToken, sessionRecord } from '../auth/session-tokens.js';
import { handle } from './boundary.js';
import { roomKeys } from '../redis/keys.js';

type AdminSocket = Socket<AdminClientToServerEvents, AdminServerToClientEvents>;

/** Bulk-created users' transactions in flight at once (enough to keep Redis busy). */
const BULK_IN_FLIGHT = 64;

/**
 * The token-guarded bulk path `chat-admin loadtest` uses instead of N rate-limited logins.
 * Users are stored with a random hash no password derives (nobody can log in as them) and,
 * like their sessions, expire after `ttlSec`; cleanup removes them and the run's rooms at
 * once. Names must follow the load-test pattern, so nothing else can be touched from here.
 */
export function registerLoadtestHandlers(socket: AdminSocket, ctx: InstanceContext): void {
  const deps = { log: ctx.log, metrics: ctx.metrics };
  const { keys } = ctx;

  handle<AdminClientToServerEvents, 'admin:users:create'>(
    socket,
    'admin:users:create',
    AdminUsersCreatePayload,
    async ({ prefix, from, count, ttlSec }) => {
      const now = Date.now();
      const users = Array.from({ length: count }, (_, i) => {
        const name = `${prefix}-${from + i}`;
        return { name, ...newToken(name) };
      });
      // Per user, one transaction in the user's slot: the account (a random hash no password
      // derives), its session and the session index. At most BULK_IN_FLIGHT at a time: a
      // thousand at once built every command, write and reply of the call together, and the
      // instance kept the memory that took (some 40 MiB per 10k users, bench/ANALYSIS.md k).
      const redis = ctx.redis.cmd;
      const limit = pLimit(BULK_IN_FLIGHT);
      await Promise.all(
        users.map(({ name, hash }) =>
          limit(async () => {
            const record = newAccount(name, randomBytes(16), randomBytes(32), now);
            await redis
              .multi()
              .set(keys.user(name), JSON.stringify(record), 'EX', ttlSec)
              .set(keys.session(name, hash), sessionRecord(name, record.inc!, now), 'EX', ttlSec)
              .sadd(keys.userSessions(name), hash)
              .expire(keys.userSessions(name), ttlSec)
              .exec();
          }),
        ),
      );
      ctx.log.info(
        { action: 'users:create', target: prefix, outcome: `${count} users` },
        'admin action',
      );
      return { users: users.map(({ name, token }) => ({ name, token })) };
    },
    deps,
  );

  handle<AdminClientToServerEvents, 'admin:loadtest:cleanup'>(
    socket,
    'admin:loadtest:cleanup',
    AdminLoadtestCleanupPayload,
    async ({ users, rooms }) => {
      const redis = ctx.redis.cmd;
      // Each account with its sessions, ban and last-seen mark, in one script per user.
      // Their ended sessions are not kept to tell why: nobody will ask.
      const ended = await Promise.all(
        // Load-test users write in rooms only: no conversation to look for.
        users.map((user) =>
          ctx.accountOps.remove(user, { keepEnded: false, conversations: false }),
        ),
      );
      await ctx.sessions.forget(ended.flatMap((h) => h ?? []));
      // A room's keys share its slot: one DEL per room; the room index is another slot.
      await Promise.all(rooms.map((room) => redis.del(...roomKeys(keys, room))));
      if (rooms.length > 0) await redis.zrem(keys.rooms(), ...rooms);
      ctx.log.info(
        {
          action: 'loadtest:cleanup',
          target: users[0] ?? rooms[0],
          outcome: `${users.length} users, ${rooms.length} rooms`,
        },
        'admin action',
      );
      return { users: users.length, rooms: rooms.length };
    },
    deps,
  );
}
