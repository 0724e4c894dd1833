import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io';
import {
  AdminLoadtestCleanupPayload,
  AdminUsersCreatePayload,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
} from '../../protocol/index.js';
import type { InstanceContext } from '../context.js';
import { hashToken } from '../sessions.js';
import { handle } from './boundary.js';

type AdminSocket = Socket<AdminClientToServerEvents, AdminServerToClientEvents>;

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
      const users = Array.from({ length: count }, (_, i) => ({
        name: `${prefix}-${from + i}`,
        token: randomBytes(32).toString('base64url'),
      }));
      // Per user: the account and its session index share the user's slot (one transaction);
      // the session key has a slot of its own. ioredis pipelines all of them.
      const redis = ctx.redis.cmd;
      await Promise.all(
        users.map(async (u) => {
          const record = {
            name: u.name,
            createdAt: now,
            salt: randomBytes(16).toString('base64'),
            hash: randomBytes(32).toString('base64'),
          };
          const hash = hashToken(u.token);
          await redis
            .multi()
            .set(keys.user(u.name), JSON.stringify(record), 'EX', ttlSec)
            .sadd(keys.userSessions(u.name), hash)
            .expire(keys.userSessions(u.name), ttlSec)
            .exec();
          const session = JSON.stringify({ user: u.name, createdAt: now });
          await redis.set(keys.session(hash), session, 'EX', ttlSec);
        }),
      );
      ctx.log.info(
        { action: 'users:create', target: prefix, outcome: `${count} users` },
        'admin action',
      );
      return { users };
    },
    deps,
  );

  handle<AdminClientToServerEvents, 'admin:loadtest:cleanup'>(
    socket,
    'admin:loadtest:cleanup',
    AdminLoadtestCleanupPayload,
    async ({ users, rooms }) => {
      const redis = ctx.redis.cmd;
      for (const user of users) await ctx.sessions.revokeAll(user);
      await Promise.all(users.map((user) => redis.del(keys.user(user))));
      // A room's keys share its slot: one DEL per room; the room index is another slot.
      await Promise.all(
        rooms.map((room) =>
          redis.del(
            keys.roomLog(room),
            keys.roomMeta(room),
            keys.roomPresence(room),
            keys.roomPresenceBoots(room),
            keys.roomTyping(room),
          ),
        ),
      );
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
