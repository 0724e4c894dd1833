import type { Ack, DrainReason, SessionEndReason } from './errors.js';
import type {
  Ban,
  ChatMessage,
  ClusterStatus,
  DirectsInfo,
  Notice,
  RoomInfo,
  UserList,
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
  HistoryPayload,
  JoinPayload,
  LeavePayload,
  ListRoomsPayload,
  MembersPayload,
  PingPayload,
  SendPayload,
  TypingPayload,
} from './schemas.js';

/** Handshake `auth` of the chat namespace: the session token from `POST /api/login`. */
export interface ChatAuth {
  token: string;
}

/** Handshake `auth` of the admin namespace. */
export interface AdminAuth {
  adminToken: string;
}

/** What `room:join` answers. */
export interface JoinResult {
  room: string;
  /** Messages in id order: the last page, or those after `since`. */
  messages: ChatMessage[];
  /** More messages follow `messages` (fetch them with `room:history` and `since`). */
  hasMore: boolean;
  /**
   * `since` is older than the history kept: messages after it may be gone. The client knows
   * how many from the sequence numbers (`messages[0].seq` against the last seq it saw).
   */
  truncated: boolean;
  /** Up to MEMBER_LIST_MAX member names (sorted); `memberCount` is how many there are. */
  members: string[];
  memberCount: number;
  typing: string[];
  /** Sequence number of the room's newest message (0 for an empty room). */
  lastSeq: number;
  /** The room's epoch: ids and seqs are comparable only within one epoch. */
  epoch: string;
  /**
   * The join gave `since` with another `epoch`: the room's history was reset on the server,
   * the client's position means nothing here, and `messages` is the newest page instead.
   */
  unrecoverable: boolean;
}

/** A room's members: the first names (sorted, capped) and how many there are in all. */
export interface MemberList {
  room: string;
  members: string[];
  count: number;
}

/** What `room:history` answers. */
export interface HistoryResult {
  room: string;
  messages: ChatMessage[];
  hasMore: boolean;
  truncated: boolean;
  /**
   * See {@link JoinResult.epoch}. Absent when the room has no epoch: nothing has made it yet
   * (a read makes nothing; the first join or message does), or its history was lost. A client
   * keeps the epoch it holds until an answer or a message brings one.
   */
  epoch?: string;
  /** See {@link JoinResult.unrecoverable}. */
  unrecoverable: boolean;
}

/** What `message:send` answers. */
export interface SendResult {
  id: string;
  seq: number;
  ts: number;
  /** The room's epoch the message was stored in. */
  epoch: string;
  /** The same `clientMsgId` was sent before: this is the id it got then; nothing new was stored. */
  duplicate: boolean;
}

/** Sent to each socket right after it connects. */
export interface Welcome {
  user: string;
  instanceId: string;
  bootId: string;
  serverTime: number;
  /** Server-side idle ping interval, for the client's own liveness checks. */
  pingIntervalMs: number;
}

/** Events a chat client sends. Every one takes an ack and always gets it called. */
export interface ClientToServerEvents {
  'room:join': (payload: JoinPayload, ack: Ack<JoinResult>) => void;
  'room:leave': (payload: LeavePayload, ack: Ack<{ room: string }>) => void;
  'room:list': (payload: ListRoomsPayload, ack: Ack<{ rooms: RoomInfo[] }>) => void;
  'room:history': (payload: HistoryPayload, ack: Ack<HistoryResult>) => void;
  'room:members': (payload: MembersPayload, ack: Ack<MemberList>) => void;
  'message:send': (payload: SendPayload, ack: Ack<SendResult>) => void;
  'typing:set': (payload: TypingPayload, ack: Ack<null>) => void;
  'sys:ping': (payload: PingPayload, ack: Ack<{ t: number; instanceId: string }>) => void;
}

/** Events the chat server sends to clients. */
export interface ServerToClientEvents {
  'session:welcome': (welcome: Welcome) => void;
  'message:created': (message: ChatMessage) => void;
  /** Who is in the room now: up to MEMBER_LIST_MAX names and the total count. */
  'presence:updated': (update: MemberList) => void;
  'typing:updated': (update: { room: string; user: string; typing: boolean }) => void;
  'notice:created': (notice: Notice) => void;
  /**
   * Someone wrote in a direct conversation this socket has not joined (`room` is `@<peer>`):
   * join it to read the message (`id`: it and what follows are new). Never sent to a socket
   * already in the conversation.
   */
  'direct:opened': (info: { room: string; from: string; id: string }) => void;
  /** This instance is going away: disconnect and connect elsewhere within `reconnectWithinMs`. */
  'server:draining': (drain: {
    instanceId: string;
    reason: DrainReason;
    reconnectWithinMs: number;
  }) => void;
  /** The instance may have missed live messages (its Redis subscription dropped): resume rooms. */
  'sync:required': (info: { reason: string }) => void;
  /** The session is over: do not reconnect with this token. */
  'session:ended': (info: SessionEnded) => void;
}

/** Why a session ended (`session:ended`). */
export interface SessionEnded {
  reason: SessionEndReason;
  /** Said to the user as it is (a ban says until when, and why). */
  message?: string;
}

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
   * disconnected. Answers with how many it ended.
   */
  'user:end': (req: { user: string; ended: SessionEnded }, ack: (sockets: number) => void) => void;
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
}
