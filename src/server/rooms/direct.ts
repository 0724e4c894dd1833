import {
  ChatError,
  ErrorCode,
  directAddress,
  directPeer,
  type ServerEventPayload,
} from '../../protocol/index.js';
import { emitToLocalRoom } from '../transport/room-frames.js';
import { roomOf, userRoomOf } from './room-names.js';
import type { ChatServer } from '../transport/io-types.js';
import type { Keys } from '../redis/keys.js';
import type { RedisClients } from '../redis/clients.js';

/**
 * Direct conversations. Clients address one as `@peer`; inside the server it is a room like
 * any other, named `@<a>+<b>` (the two names sorted), with its keys, stream, sequence, epoch
 * and channel, so it is stored, resumed and fanned out exactly like a room. That internal name
 * never crosses the wire: `+` is not allowed in an address, so no client can ask for it, and
 * each user can only ever reach the conversations they are in (`@peer` is resolved against
 * the socket's own user). Everything the server sends about it names it by the recipient's
 * peer: alice reads `@bob`, bob reads `@alice`.
 */

const SEP = '+';

/** The internal room of the conversation between two users. */
export function directRoom(a: string, b: string): string {
  return a < b ? `@${a}${SEP}${b}` : `@${b}${SEP}${a}`;
}

/** The two users of an internal direct room; undefined for a chat room. */
export function directUsers(room: string): [string, string] | undefined {
  if (!room.startsWith('@')) return undefined;
  const sep = room.indexOf(SEP);
  if (sep < 0) return undefined;
  return [room.slice(1, sep), room.slice(sep + 1)];
}

export function isDirectRoom(room: string): boolean {
  return room.startsWith('@');
}

/**
 * The internal room a user means by an address from the wire (already schema-checked): a
 * room's own name, or the conversation with the peer. No Redis: every handler resolves its
 * address this way, `message:send` included. Oneself is no peer.
 */
export function roomFor(user: string, address: string): string {
  const peer = directPeer(address);
  if (peer === undefined) return address;
  if (peer === user) {
    throw new ChatError(
      ErrorCode.BadRequest,
      'that is you: a direct conversation needs someone else',
    );
  }
  return directRoom(user, peer);
}

/**
 * A conversation needs a peer with an account: checked at every read of one (history,
 * members, search), which answers `not_found` for nobody instead of reading anything. A join
 * checks it with {@link conversationAccounts}, so a typo does not open a conversation with
 * nobody; a send does not (see `AccountOps.remove`).
 */
export async function requirePeer(
  ctx: { redis: RedisClients; keys: Keys },
  address: string,
): Promise<void> {
  const peer = directPeer(address);
  if (peer !== undefined && (await ctx.redis.cmd.exists(ctx.keys.user(peer))) === 0) {
    throw noPeer(peer);
  }
}

const noPeer = (peer: string): ChatError =>
  new ChatError(ErrorCode.NotFound, `there is no user named ${peer}`);

/**
 * What a join of a conversation checks against: both accounts as `<name>:<created>` (when each
 * was made; the joiner's from its socket), so that a deletion of either between this read and
 * the join's is found by the join (see `History.read`). Undefined for a chat room; `not_found`
 * for a peer with no account.
 */
export async function conversationAccounts(
  ctx: { redis: RedisClients; keys: Keys },
  self: { user: string; since: number },
  address: string,
): Promise<[string, string] | undefined> {
  const peer = directPeer(address);
  if (peer === undefined) return undefined;
  const raw = await ctx.redis.cmd.get(ctx.keys.user(peer));
  if (raw === null) throw noPeer(peer);
  const { createdAt } = JSON.parse(raw) as { createdAt: number };
  return [accountOf(self), accountOf({ user: peer, since: createdAt })];
}

/** An account as conversations name it: `<name>:<created>` (when it was made, ms). */
export function accountOf(self: { user: string; since: number }): string {
  return `${self.user}:${self.since}`;
}

/**
 * Whether `account` (`<name>:<created>`) is one of a conversation's two (`owners`, as the join's
 * page script in `History` writes them: two accounts, one space apart).
 */
export function isOwner(owners: string, account: string): boolean {
  return owners.split(' ').includes(account);
}

/**
 * Whether this user may read a conversation (a history page, a search): its peer has an
 * account (`not_found` otherwise), and the conversation is of this user's account. One of an
 * earlier holder of their name (a deletion that did not find it) is none of theirs, and
 * reads as a conversation not yet opened; their join opens it afresh. True for a chat room.
 */
export async function readableConversation(
  ctx: { redis: RedisClients; keys: Keys },
  self: { user: string; since: number },
  address: string,
): Promise<boolean> {
  if (directPeer(address) === undefined) return true;
  const [, owners] = await Promise.all([
    requirePeer(ctx, address),
    ctx.redis.cmd.hget(ctx.keys.roomMeta(roomFor(self.user, address)), 'owners'),
  ]);
  return owners === null || isOwner(owners, accountOf(self));
}

/**
 * Sends an event about a room to this instance's sockets in it, each named the way its user
 * names the room: once for a chat room; once per side for a conversation (except the other
 * user's sockets, so each send reaches one user's sockets and is encoded once).
 */
export function emitAboutRoom<E extends 'message:created' | 'presence:updated' | 'typing:updated'>(
  io: ChatServer,
  room: string,
  event: E,
  payload: (address: string) => ServerEventPayload<E>,
  opts: { exceptUser?: string } = {},
): number {
  const users = directUsers(room);
  const target = roomOf(room);
  if (!users) {
    const except = opts.exceptUser ? userRoomOf(opts.exceptUser) : undefined;
    return emitToLocalRoom(io, target, event, payload(room), except);
  }
  let n = 0;
  for (const [self, peer] of [users, [users[1], users[0]] as const]) {
    if (self === opts.exceptUser) continue;
    // The sockets of `self` in the conversation: everyone in it but `peer`'s.
    n += emitToLocalRoom(io, target, event, payload(directAddress(peer)), userRoomOf(peer));
  }
  return n;
}

/**
 * After a message in a conversation: tells both users' sockets that have not joined it (on
 * every instance) that it has something new, so a client shows it even if it never opened it.
 */
export function announceDirect(io: ChatServer, room: string, from: string, id: string): void {
  const users = directUsers(room);
  if (!users) return;
  for (const [self, peer] of [users, [users[1], users[0]] as const]) {
    io.to(userRoomOf(self))
      .except(roomOf(room))
      .emit('direct:opened', { room: directAddress(peer), from, id });
  }
}
