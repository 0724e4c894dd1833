import { randomBytes } from 'node:crypto';
import {
  ChatError,
  ErrorCode,
  HISTORY_PAGE_DEFAULT,
  HISTORY_PAGE_MAX,
  HistoryPayload,
  JoinPayload,
  LeavePayload,
  ListRoomsPayload,
  MarkPayload,
  MarksFetchPayload,
  MEMBER_QUERY_MAX,
  MembersPayload,
  PingPayload,
  SendPayload,
  TypingPayload,
  type ClientToServerEvents,
  type DirectsInfo,
  type JoinResult,
  type RoomInfo,
} from '../../protocol/index.js';
import { roomOf, userRoomOf } from '../rooms/room-names.js';
import type { ChatSocket } from './io-types.js';
import type { InstanceContext } from '../context.js';
import {
  announceDirect,
  directUsers,
  isDirectRoom,
  accountOf,
  conversationAccounts,
  readableConversation,
  requirePeer,
  roomFor,
} from '../rooms/direct.js';
import { inEpoch, type Page, type PageRead, type RoomMeta } from '../rooms/history.js';
import { membershipOf } from '../rooms/membership.js';
import { liveRoomNames } from '../ops/status.js';
import type { HandlerTable } from './boundary.js';
import { joinedRoom } from './joined-room.js';
import { CHANGE_HANDLERS } from './change-handlers.js';
import { AWAY_HANDLERS } from './away-handlers.js';

/** The internal names of the rooms and conversations a socket is in. */
function joinedRooms(socket: ChatSocket): string[] {
  return [...socket.rooms].filter((r) => r.startsWith('#')).map((r) => r.slice(1));
}

/** A page's messages, named the way the reader names their room (a conversation's peer). */
function readAs(page: Page, room: string, address: string): Page {
  if (room !== address) for (const m of page.messages) m.room = address;
  return page;
}

/**
 * Lists up to `limit` rooms: every room with messages (the room index, by last activity) or
 * with members now (the live instances' room sets, and this instance's own rooms, which its
 * status may not carry yet). A room that has members but no message has `lastActivity` 0
 * ("never") and comes after the rooms that have had messages.
 */
export async function listRooms(ctx: InstanceContext, limit: number): Promise<RoomInfo[]> {
  const [flat, live] = await Promise.all([
    ctx.redis.cmd.zrevrange(ctx.keys.rooms(), 0, limit - 1, 'WITHSCORES'),
    liveRoomNames(ctx.redis.cmd, ctx.keys),
  ]);
  const activity = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) activity.set(flat[i]!, Number(flat[i + 1]));
  const occupied = new Set([...live, ...ctx.presence.localRoomNames()]);
  const more = [...occupied].filter((r) => !isDirectRoom(r) && !activity.has(r));
  if (more.length > 0) {
    // An occupied room may have messages older than the index's first `limit` rooms.
    const scores = await ctx.redis.cmd.zmscore(ctx.keys.rooms(), ...more);
    more.forEach((r, i) => activity.set(r, Number(scores[i] ?? 0)));
  }
  const rooms = [...activity]
    .map(([name, lastActivity]) => ({ name, lastActivity }))
    .sort((a, b) => b.lastActivity - a.lastActivity || a.name.localeCompare(b.name))
    .slice(0, limit);
  const counts = await Promise.all(
    rooms.map(async (r) => {
      const [{ members, count }, messages] = await Promise.all([
        ctx.presence.members(r.name),
        ctx.redis.cmd.xlen(ctx.keys.roomLog(r.name)),
      ]);
      return { ...r, members, memberCount: count, messages };
    }),
  );
  // A room in an instance's set may have emptied since that instance wrote it.
  return counts.filter((r) => r.memberCount > 0 || r.messages > 0);
}

/**
 * Direct conversations for the operator: how many, how many were active in the last day, and
 * (only when asked) who is in each with its message count; never their messages.
 */
export async function listDirects(
  ctx: InstanceContext,
  opts: { names: boolean; limit?: number },
): Promise<DirectsInfo> {
  const key = ctx.keys.directs();
  const [count, active24h] = await Promise.all([
    ctx.redis.cmd.zcard(key),
    ctx.redis.cmd.zcount(key, Date.now() - 24 * 3600_000, '+inf'),
  ]);
  if (!opts.names) return { count, active24h };
  const flat = await ctx.redis.cmd.zrevrange(key, 0, (opts.limit ?? 1000) - 1, 'WITHSCORES');
  const rows: { room: string; users: [string, string]; lastActivity: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const users = directUsers(flat[i]!);
    if (users) rows.push({ room: flat[i]!, users, lastActivity: Number(flat[i + 1]) });
  }
  const messages = await Promise.all(rows.map((r) => ctx.redis.cmd.xlen(ctx.keys.roomLog(r.room))));
  const list = rows.map(({ users, lastActivity }, i) => ({
    users,
    messages: messages[i]!,
    lastActivity,
  }));
  return { count, active24h, list };
}

/**
 * A page read for a join or a history request (`History.read`: with the room's meta, made by a
 * join, found or not by a read), shown as it is now: changed messages folded in (see
 * docs/protocol.md; a room nobody changed a message in costs no second round trip) and every
 * message stamped with the room's epoch.
 */
async function readPage<M extends RoomMeta | undefined>(
  ctx: InstanceContext,
  room: string,
  read: Promise<PageRead<M>>,
): Promise<{ page: Page; meta: M; unrecoverable: boolean }> {
  const { page, meta, changed, unrecoverable } = await read;
  if (changed) await ctx.history.changes.fold(room, page.messages);
  return { page: inEpoch(page, meta?.epoch), meta, unrecoverable };
}

/** A request of a socket that has disconnected (its answer goes nowhere). */
const gone = (): ChatError => new ChatError(ErrorCode.Unavailable, 'the connection has closed');

/**
 * Joins a room (run in order with the socket's other requests about it, see `Membership`):
 * subscribes to its live messages, then reads its history, members and typing. A socket that
 * disconnected meanwhile joins nothing: the disconnect undoes only what was counted.
 */
async function joinRoom(
  socket: ChatSocket,
  ctx: InstanceContext,
  room: string,
  { room: address, since, epoch, limit, remember }: JoinPayload,
): Promise<JoinResult> {
  const user = socket.data.user;
  const m = membershipOf(socket);
  const accounts = await conversationAccounts(ctx, socket.data, address);
  const already = m.counted.has(room);
  const most = ctx.cfg.maxRoomsPerSocket;
  // Rooms and conversations are limited separately, each to the same number.
  const direct = isDirectRoom(room);
  const open = joinedRooms(socket).filter((r) => isDirectRoom(r) === direct).length;
  if (!already && open >= most) {
    // Read by people (the client shows it as is): no event names, and what to do.
    throw new ChatError(
      ErrorCode.BadRequest,
      direct
        ? `you already have ${most} conversations open, the most this server allows at once; close one to open another`
        : `you are already in ${most} rooms, the most this server allows at once; leave one to join another`,
    );
  }
  // Socket.IO would put a disconnected socket back into the room, for good.
  if (m.gone || !socket.connected) throw gone();
  // Subscribe to live messages before reading history, so nothing falls between the two; the
  // client drops whatever arrives both ways (same id). The subscription to the room's
  // channel is confirmed by Redis before the history is read.
  await socket.join(roomOf(room));
  try {
    await ctx.fanout.subscribed(room);
    if (m.gone) throw gone();
    if (!already) m.counted.add(room);
    const [{ page, meta, unrecoverable }, { added, members, count, typing }, readTo] =
      await Promise.all([
        readPage(
          ctx,
          room,
          ctx.history.read(
            room,
            {
              since,
              epoch,
              limit: limit ?? (since ? HISTORY_PAGE_MAX : HISTORY_PAGE_DEFAULT),
              ...(accounts ? { accounts } : {}),
            },
            true,
          ),
        ),
        ctx.presence.join(room, user, !already),
        ctx.marks.readTo(user, address),
      ]);
    if (added) ctx.presenceChanged(room);
    if (remember) await ctx.marks.remember(user, address);
    return {
      room: address,
      ...readAs(page, room, address),
      members,
      memberCount: count,
      typing,
      lastSeq: meta.seq,
      epoch: meta.epoch,
      unrecoverable,
      ...(readTo ? { readTo } : {}),
    };
  } catch (err) {
    if (!already) {
      await socket.leave(roomOf(room));
      if (m.counted.delete(room)) await ctx.presence.leave(room, user).catch(() => undefined);
    }
    throw err;
  }
}

/**
 * The chat namespace's handlers, one table shared by every socket (see `dispatch`): each
 * gets the socket, the instance context and a validated payload, and returns the ack's data.
 */
export const CHAT_HANDLERS: HandlerTable<ChatSocket, InstanceContext, ClientToServerEvents> = {
  'room:join': {
    schema: JoinPayload,
    run: async (socket, ctx, payload) => {
      const room = roomFor(socket.data.user, payload.room);
      return membershipOf(socket).run(room, () => joinRoom(socket, ctx, room, payload));
    },
  },
  'room:leave': {
    schema: LeavePayload,
    run: async (socket, ctx, { room: address }) => {
      const room = roomFor(socket.data.user, address);
      const m = membershipOf(socket);
      return m.run(room, async () => {
        joinedRoom(socket, address, true);
        await socket.leave(roomOf(room));
        // Left for good: not opened at the next start, and no marker kept.
        await ctx.marks.forget(socket.data.user, address);
        if (m.counted.delete(room) && (await ctx.presence.leave(room, socket.data.user))) {
          ctx.presenceChanged(room);
        }
        return { room: address };
      });
    },
  },
  'room:list': {
    schema: ListRoomsPayload,
    run: async (_socket, ctx) => ({ rooms: await listRooms(ctx, 100) }),
  },
  'room:history': {
    schema: HistoryPayload,
    run: async (socket, ctx, { room: address, since, before, epoch, limit }) => {
      // Rooms are public; a conversation is readable by its two users only, and `@peer`
      // always resolves to one of the caller's own. A read writes nothing: a room or
      // conversation that does not exist reads empty, with no epoch (the join makes it).
      const room = roomFor(socket.data.user, address);
      if (!(await readableConversation(ctx, socket.data, address))) {
        return {
          room: address,
          messages: [],
          hasMore: false,
          truncated: false,
          unrecoverable: false,
        };
      }
      const { page, meta, unrecoverable } = await readPage(
        ctx,
        room,
        ctx.history.read(
          room,
          { since, before, epoch, limit: limit ?? HISTORY_PAGE_DEFAULT },
          false,
        ),
      );
      return {
        room: address,
        ...readAs(page, room, address),
        ...(meta ? { epoch: meta.epoch } : {}),
        unrecoverable,
      };
    },
  },
  'room:members': {
    schema: MembersPayload,
    run: async (socket, ctx, { room: address }) => {
      const room = roomFor(socket.data.user, address);
      await requirePeer(ctx, address);
      return { room: address, ...(await ctx.presence.members(room, MEMBER_QUERY_MAX)) };
    },
  },
  'message:send': {
    schema: SendPayload,
    run: async (socket, ctx, { room: address, text, clientMsgId, kind }) => {
      const room = joinedRoom(socket, address);
      // A conversation joined before its peer's account was deleted takes nothing more (the
      // deletion left its mark in the conversation's meta, which the append reads).
      const res = await ctx.history.append({
        room,
        from: socket.data.user,
        text,
        kind: kind ?? 'text',
        clientMsgId,
        senderSince: socket.data.since,
      });
      if (!res.duplicate) {
        ctx.metrics.messagesIn.inc();
        ctx.rates.addIn();
        if (isDirectRoom(room)) {
          announceDirect(ctx.io, room, socket.data.user, res.id);
          // The message is stored: a failed index write must not fail its ack (a retry would
          // find it stored); the next message writes the index again.
          await ctx.marks
            .directActivity(room)
            .catch((err: unknown) =>
              ctx.log.warn({ room, err: (err as Error).message }, 'conversation index not written'),
            );
        }
      }
      // Stored on the master, but a failover before its replica has it would lose it.
      if (res.replicas !== undefined && res.replicas < ctx.cfg.appendWaitReplicas) {
        ctx.metrics.appendUnreplicated.inc();
      }
      return { id: res.id, seq: res.seq, ts: res.ts, epoch: res.epoch, duplicate: res.duplicate };
    },
  },
  ...CHANGE_HANDLERS,
  ...AWAY_HANDLERS,
  'typing:set': {
    schema: TypingPayload,
    run: async (socket, ctx, { room: address, typing }) => {
      const room = joinedRoom(socket, address);
      const user = socket.data.user;
      // Told on the room's channel, as messages and presence notices are: every instance with
      // members in the room (this one too) tells its own.
      await ctx.presence.setTyping(room, user, typing);
      return null;
    },
  },
  'sys:ping': {
    schema: PingPayload,
    run: (_socket, ctx, { t }) => Promise.resolve({ t, instanceId: ctx.cfg.instanceId }),
  },
  'marks:set': {
    schema: MarkPayload,
    run: async (socket, ctx, { room: address, id }) => {
      // Only what the socket could have seen: a room it is in.
      const room = joinedRoom(socket, address);
      const user = socket.data.user;
      const { moved, ...mark } = await ctx.marks.set(user, address, room, id);
      // The user's other clients (on every instance) clear what this one has read.
      if (moved) ctx.io.to(userRoomOf(user)).except(socket.id).emit('marks:updated', mark);
      return mark;
    },
  },
  'marks:fetch': {
    schema: MarksFetchPayload,
    run: (socket, ctx, { ignore }) =>
      ctx.marks.summary(socket.data.user, ignore, accountOf(socket.data)),
  },
};

/**
 * Leaves every chat room of a socket that is going away, telling the others: once its joins
 * and leaves in flight have settled, so that what they counted is undone too.
 */
export async function onSocketGone(socket: ChatSocket, ctx: InstanceContext): Promise<void> {
  const m = membershipOf(socket);
  m.gone = true;
  await m.settled();
  const rooms = [...m.counted];
  m.counted.clear();
  for (const room of rooms) {
    if (await ctx.presence.leave(room, socket.data.user)) ctx.presenceChanged(room);
  }
}

/** A random client message id for messages the server writes itself (admin broadcasts). */
export function serverMsgId(): string {
  return `srv-${randomBytes(12).toString('base64url')}`;
}
