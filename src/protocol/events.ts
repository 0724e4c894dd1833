import { z } from 'zod';
import { resultOf, type Ack, type Result } from './errors.js';
import type { RoomInfo } from './models.js';
import { MarkUpdate, MarksSummary, type MarkPayload, type MarksFetchPayload } from './marks.js';
import { AwayList, AwaySetResult, type AwayGetPayload, type AwaySetPayload } from './away.js';
import {
  ChatMessage,
  Notice,
  type Ban,
  type ClusterStatus,
  type DirectsInfo,
  type UserList,
} from './models.js';
import type {
  AdminBanPayload,
  AdminBroadcastPayload,
  AdminKickPayload,
  AdminLoadtestCleanupPayload,
  AdminRestartPayload,
  AdminRoomsPayload,
  AdminUserPayload,
  AdminUsersCreatePayload,
  AdminUsersListPayload,
  DeletePayload,
  EditPayload,
  HistoryPayload,
  JoinPayload,
  LeavePayload,
  ListRoomsPayload,
  MembersPayload,
  PingPayload,
  SearchPayload,
  SendPayload,
  TypingPayload,
} from './schemas.js';
import {
  DirectOpened,
  HistoryResult,
  JoinResult,
  LeaveResult,
  MemberList,
  Pong,
  RoomList,
  SearchResult,
  SendResult,
  ServerDraining,
  SessionEnded,
  SyncRequired,
  TypingUpdate,
  Welcome,
} from './server-payloads.js';

/** Handshake `auth` of the chat namespace: the session token from `POST /api/login`. */
export interface ChatAuth {
  token: string;
}

/** Handshake `auth` of the admin namespace. */
export interface AdminAuth {
  adminToken: string;
}

/** Events a chat client sends. Every one takes an ack and always gets it called. */
export interface ClientToServerEvents {
  'room:join': (payload: JoinPayload, ack: Ack<JoinResult>) => void;
  'room:leave': (payload: LeavePayload, ack: Ack<LeaveResult>) => void;
  'room:list': (payload: ListRoomsPayload, ack: Ack<RoomList>) => void;
  'room:history': (payload: HistoryPayload, ack: Ack<HistoryResult>) => void;
  'room:members': (payload: MembersPayload, ack: Ack<MemberList>) => void;
  'message:send': (payload: SendPayload, ack: Ack<SendResult>) => void;
  /** Edits one of the sender's messages: answers the change entry's place, as a send does. */
  'message:edit': (payload: EditPayload, ack: Ack<SendResult>) => void;
  /** Deletes one of the sender's messages: answers the change entry's place. */
  'message:delete': (payload: DeletePayload, ack: Ack<SendResult>) => void;
  /** One bounded step of a search of the room's kept history (see {@link SearchPayload}). */
  'room:search': (payload: SearchPayload, ack: Ack<SearchResult>) => void;
  'typing:set': (payload: TypingPayload, ack: Ack<null>) => void;
  'sys:ping': (payload: PingPayload, ack: Ack<Pong>) => void;
  /** The user has seen a room up to a message: moves their read marker (never back). */
  'marks:set': (payload: MarkPayload, ack: Ack<MarkUpdate>) => void;
  /**
   * Where the user stands, in one answer: rooms to open again, rooms and conversations with
   * messages after the read markers (counts, mentions, last sender) and the mentions.
   */
  'marks:fetch': (payload: MarksFetchPayload, ack: Ack<MarksSummary>) => void;
  /** Sets the user's away message, or clears it (back): answers the state now. */
  'away:set': (payload: AwaySetPayload, ack: Ack<AwaySetResult>) => void;
  /** Which of the users named are away, with their messages. */
  'away:get': (payload: AwayGetPayload, ack: Ack<AwayList>) => void;
}

/** Events the chat server sends to clients. */
export interface ServerToClientEvents {
  'session:welcome': (welcome: Welcome) => void;
  'message:created': (message: ChatMessage) => void;
  /** Who is in the room now: up to MEMBER_LIST_MAX names and the total count. */
  'presence:updated': (update: MemberList) => void;
  'typing:updated': (update: TypingUpdate) => void;
  'notice:created': (notice: Notice) => void;
  /**
   * Someone wrote in a direct conversation this socket has not joined (`room` is `@<peer>`):
   * join it to read the message (`id`: it and what follows are new). Never sent to a socket
   * already in the conversation.
   */
  'direct:opened': (info: DirectOpened) => void;
  /** This instance is going away: disconnect and connect elsewhere within `reconnectWithinMs`. */
  'server:draining': (drain: ServerDraining) => void;
  /** The instance may have missed live messages (its Redis subscription dropped): resume rooms. */
  'sync:required': (info: SyncRequired) => void;
  /** The session is over: do not reconnect with this token. */
  'session:ended': (info: SessionEnded) => void;
  /** Another client of the same user moved a read marker (everything up to `id` is seen). */
  'marks:updated': (update: MarkUpdate) => void;
}

/** The payload of a server-to-client event. */
export type ServerEventPayload<E extends keyof ServerToClientEvents> = Parameters<
  ServerToClientEvents[E]
>[0];

/**
 * The schema of every event the chat server pushes, by name: what a client checks a payload
 * with before acting on it. Every event has one (the type says so), and each event's payload
 * type is inferred from its schema.
 */
export const ServerEvents: {
  readonly [E in keyof ServerToClientEvents]: z.ZodType<ServerEventPayload<E>>;
} = {
  'session:welcome': Welcome,
  'message:created': ChatMessage,
  'presence:updated': MemberList,
  'typing:updated': TypingUpdate,
  'notice:created': Notice,
  'direct:opened': DirectOpened,
  'server:draining': ServerDraining,
  'sync:required': SyncRequired,
  'session:ended': SessionEnded,
  'marks:updated': MarkUpdate,
};

/** The data a client-to-server event's ack carries when it succeeds. */
export type AckData<E extends keyof ClientToServerEvents> =
  Parameters<ClientToServerEvents[E]>[1] extends Ack<infer T> ? T : never;

/**
 * The schema of every chat ack's answer (`{ok:true,data}` or `{ok:false,error}`), by event:
 * what a client checks an answer with. Built once, here.
 */
export const ChatAnswers: {
  readonly [E in keyof ClientToServerEvents]: z.ZodType<Result<AckData<E>>>;
} = {
  'room:join': resultOf(JoinResult),
  'room:leave': resultOf(LeaveResult),
  'room:list': resultOf(RoomList),
  'room:history': resultOf(HistoryResult),
  'room:members': resultOf(MemberList),
  'message:send': resultOf(SendResult),
  'message:edit': resultOf(SendResult),
  'message:delete': resultOf(SendResult),
  'room:search': resultOf(SearchResult),
  'typing:set': resultOf(z.null()),
  'sys:ping': resultOf(Pong),
  'marks:set': resultOf(MarkUpdate),
  'marks:fetch': resultOf(MarksSummary),
  'away:set': resultOf(AwaySetResult),
  'away:get': resultOf(AwayList),
};

/** What `admin:broadcast` answers: how far the message reached. */
export interface BroadcastResult {
  clients: number;
  instances: number;
  /** Set when the broadcast went to one room: its id in the room's history. */
  messageId?: string;
}

/** What `admin:restart` answers: the instance accepted and is draining. */
export interface RestartResult {
  instanceId: string;
  bootId: string;
}

/** What `admin:users:delete` answers: the account is gone and its name free. */
export interface UserDeleteResult {
  user: string;
  /** Sessions ended. */
  sessions: number;
  /** Live connections closed, on every instance that answered. */
  sockets: number;
}

/** What `admin:users:ban` answers: the ban now in force and what it ended. */
export interface BanResult {
  user: string;
  ban: Ban;
  sessions: number;
  sockets: number;
}

/** What `admin:users:unban` answers. */
export interface UnbanResult {
  user: string;
  /** False: the account was not banned (nothing changed). */
  wasBanned: boolean;
}

/** What `admin:users:create` answers: the users and a session token for each. */
export interface UsersCreateResult {
  users: { name: string; token: string }[];
}

/** What `admin:loadtest:cleanup` answers: how many users and rooms were removed. */
export interface LoadtestCleanupResult {
  users: number;
  rooms: number;
}

/** Events the admin console sends on the admin namespace. */
export interface AdminClientToServerEvents {
  'admin:status': (payload: Record<string, never>, ack: Ack<ClusterStatus>) => void;
  'admin:rooms': (
    payload: AdminRoomsPayload,
    ack: Ack<{ rooms: RoomInfo[]; directs: DirectsInfo }>,
  ) => void;
  'admin:broadcast': (payload: AdminBroadcastPayload, ack: Ack<BroadcastResult>) => void;
  'admin:restart': (payload: AdminRestartPayload, ack: Ack<RestartResult>) => void;
  'admin:kick': (payload: AdminKickPayload, ack: Ack<{ sockets: number }>) => void;
  /** The newest accounts: name, created, last seen, ban. */
  'admin:users:list': (payload: AdminUsersListPayload, ack: Ack<UserList>) => void;
  /** Deletes an account: ends every session on every instance and frees the name. */
  'admin:users:delete': (payload: AdminUserPayload, ack: Ack<UserDeleteResult>) => void;
  /** Bans an account (for a while, or until unbanned): ends its sessions, refuses logins. */
  'admin:users:ban': (payload: AdminBanPayload, ack: Ack<BanResult>) => void;
  /** Lifts a ban. */
  'admin:users:unban': (payload: AdminUserPayload, ack: Ack<UnbanResult>) => void;
  /** Load tests: create users with sessions in bulk (no password can log them in). */
  'admin:users:create': (payload: AdminUsersCreatePayload, ack: Ack<UsersCreateResult>) => void;
  /** Load tests: remove the run's users, their sessions and its rooms. */
  'admin:loadtest:cleanup': (
    payload: AdminLoadtestCleanupPayload,
    ack: Ack<LoadtestCleanupResult>,
  ) => void;
}

/** The admin namespace pushes nothing unasked. */
export type AdminServerToClientEvents = Record<string, never>;

/** Events instances send each other through the Redis adapter (`serverSideEmit`). */
export interface InterServerEvents {
  /**
   * An admin broadcast: with `room`, count local sockets in it (the message itself travels
   * through the room's history); without, deliver the notice to every local socket. Answers
   * with how many local clients it reached.
   */
  'admin:deliver': (req: { notice: Notice; room?: string }, ack: (clients: number) => void) => void;
  /**
   * End this instance's sockets of `user`: each is told why (`session:ended`), then
   * disconnected. `sessions`: the hashes of the sessions whose ending this is (absent from an
   * instance of an earlier version, in a rolling upgrade). Answers with how many sockets of
   * them it ended, counting those its session watch ended first.
   */
  'user:end': (
    req: { user: string; sessions?: string[]; ended: SessionEnded },
    ack: (sockets: number) => void,
  ) => void;
  /** The instance with this id (and boot id, when given) should drain and restart. */
  'instance:restart': (
    target: { instanceId: string },
    ack: (r: RestartResult | null) => void,
  ) => void;
}

/** What a chat socket carries (`socket.data`), set by the handshake middleware. */
export interface SocketData {
  user: string;
  /** SHA-256 of the session token: the only form in which the server keeps it. */
  sessionHash: string;
  /**
   * When the user's account was made (ms): a message older than it was written by an earlier
   * account of the name (deleted, the name registered again), which this user cannot change.
   */
  since: number;
}
