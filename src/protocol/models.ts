import { z } from 'zod';

/** Kinds of message a room holds. */
export const MessageKind = z.enum(['text', 'action', 'broadcast', 'edit', 'delete']);
/**
 * `text` is plain chat, `action` a `/me` line, `broadcast` an operator's message to the room.
 * `edit` and `delete` are changes: entries of the room's history that change an earlier
 * message of their author (`ref`), in place; a client folds them into that message and never
 * shows them as lines of their own (see {@link ChatMessage}).
 */
export type MessageKind = z.infer<typeof MessageKind>;

/**
 * A stored chat message. `id` is its Redis stream id (`<ms>-<n>`): ordered cluster-wide within
 * its room, and what a client resumes from. `seq` counts the room's messages from 1 with no
 * gaps, so a client can tell exactly how many it missed.
 */
export const ChatMessage = z.object({
  id: z.string(),
  seq: z.number().int().positive(),
  room: z.string(),
  from: z.string(),
  text: z.string(),
  /** Milliseconds since the epoch, from the Redis clock (the id's time part). */
  ts: z.number(),
  kind: MessageKind,
  /** The sender's idempotency key, echoed so the sender can match its pending send. */
  clientMsgId: z.string().optional(),
  /**
   * The room's epoch when the message was stored. It changes only when the room's sequence
   * was lost (FLUSHALL, a restored backup, a failover that lost the meta): ids and seqs of
   * another epoch cannot be compared with these.
   */
  epoch: z.string().optional(),
  /** On an `edit` or `delete` entry: the id of the message it changes. */
  ref: z.string().optional(),
  /**
   * The id of the newest change (an `edit` or `delete` entry) that `text` and `deleted`
   * reflect. Pages of history carry it: a message changed later comes with its current text,
   * and a change entry superseded by a later one comes with that later change's state. Live
   * messages never carry it. A client applies a change only when its `rev` (or, on a change
   * entry without one, its `id`) is newer than what it holds, so any order of arrival ends
   * in the same text.
   */
  rev: z.string().optional(),
  /** The message (or, on a change entry, the message it changes) was deleted; `text` is empty. */
  deleted: z.boolean().optional(),
});
/** See {@link ChatMessage}. */
export type ChatMessage = z.infer<typeof ChatMessage>;

/** A notice from an operator to every connected client (not stored in any room). */
export const Notice = z.object({
  id: z.string(),
  text: z.string(),
  ts: z.number(),
  from: z.string(),
});
/** See {@link Notice}. */
export type Notice = z.infer<typeof Notice>;

/** The public part of an account. */
export const User = z.object({ name: z.string(), createdAt: z.number() });
/** See {@link User}. */
export type User = z.infer<typeof User>;

/** A ban on an account: it refuses logins and handshakes, and ended the account's sessions. */
export const Ban = z.object({
  /** What the operator said, if anything (shown to the banned user). */
  reason: z.string().optional(),
  /** When the ban was made, ms since the epoch. */
  since: z.number(),
  /** When it ends by itself, ms since the epoch; absent: until an operator lifts it. */
  until: z.number().optional(),
});
/** See {@link Ban}. */
export type Ban = z.infer<typeof Ban>;

/** An account as the operator console lists it (`chat-admin user list`). */
export const UserSummary = z.object({
  name: z.string(),
  createdAt: z.number(),
  /**
   * When the account last logged in, connected, or was seen connected by an instance's
   * session sweep (ms since the epoch; accurate to a few minutes); null: never since it
   * was made.
   */
  lastSeen: z.number().nullable(),
  /** The ban in force, or null. */
  banned: Ban.nullable(),
});
/** See {@link UserSummary}. */
export type UserSummary = z.infer<typeof UserSummary>;

/** What `admin:users:list` answers: the newest accounts first, at most the limit asked for. */
export const UserList = z.object({
  users: z.array(UserSummary),
  /** Accounts in the index in all (the list holds at most `limit` of them). */
  total: z.number(),
  limit: z.number(),
});
/** See {@link UserList}. */
export type UserList = z.infer<typeof UserList>;

/** State of an instance: `ready` takes traffic, `draining` is on its way out. */
export const InstanceState = z.enum(['ready', 'draining']);
/** See {@link InstanceState}. */
export type InstanceState = z.infer<typeof InstanceState>;

/** What each instance writes to Redis every second (and what `chat-admin status` shows). */
export const InstanceStatus = z.object({
  id: z.string(),
  /** New on every start: a restarted instance keeps its id and gets a new boot id. */
  bootId: z.string(),
  state: InstanceState,
  host: z.string(),
  /** The machine's name (absent from instances of earlier versions). */
  hostname: z.string().optional(),
  port: z.number(),
  pid: z.number(),
  startedAt: z.number(),
  uptimeSec: z.number(),
  connections: z.number(),
  rooms: z.number(),
  msgsInPerSec: z.number(),
  msgsOutPerSec: z.number(),
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
  loopLagMs: z.number(),
  /** Whether the instance can reach Redis (it reports this when it can again). */
  redisOk: z.boolean(),
  version: z.string(),
  /** When this status was written, ms since the epoch. */
  updatedAt: z.number(),
});
/** See {@link InstanceStatus}. */
export type InstanceStatus = z.infer<typeof InstanceStatus>;

/** Redis health as seen by the instance answering a status request. */
export const RedisHealth = z.object({
  ok: z.boolean(),
  version: z.string().optional(),
  usedMemoryBytes: z.number().optional(),
  connectedClients: z.number().optional(),
  pingMs: z.number().optional(),
  /** Redis Cluster only: how many masters there are, and how many answered. */
  masters: z.number().optional(),
  mastersOk: z.number().optional(),
  error: z.string().optional(),
});
/** See {@link RedisHealth}. */
export type RedisHealth = z.infer<typeof RedisHealth>;

/** The whole cluster's status: `chat-admin status --json` prints exactly this. */
export const ClusterStatus = z.object({
  instances: z.array(InstanceStatus),
  totals: z.object({
    instances: z.number(),
    connections: z.number(),
    rooms: z.number(),
    msgsInPerSec: z.number(),
    msgsOutPerSec: z.number(),
  }),
  redis: RedisHealth,
  /** Which instance answered. */
  answeredBy: z.string(),
  /** What could not be known (e.g. Redis unreachable: only the answering instance is listed). */
  warnings: z.array(z.string()).optional(),
});
/** See {@link ClusterStatus}. */
export type ClusterStatus = z.infer<typeof ClusterStatus>;

/** A room as listed by `room:list` and `admin:rooms`. */
export const RoomInfo = z.object({
  name: z.string(),
  /** Up to MEMBER_LIST_MAX names; `memberCount` is the total. */
  members: z.array(z.string()),
  memberCount: z.number(),
  lastActivity: z.number(),
  messages: z.number(),
});
/** See {@link RoomInfo}. */
export type RoomInfo = z.infer<typeof RoomInfo>;

/**
 * Direct conversations as the operator console sees them: counts always; who talks to whom
 * only when asked for (`admin:rooms` with `directs: true`); their messages never.
 */
export const DirectsInfo = z.object({
  count: z.number(),
  /** Conversations with a message in the last 24 hours. */
  active24h: z.number(),
  list: z
    .array(
      z.object({
        users: z.tuple([z.string(), z.string()]),
        messages: z.number(),
        lastActivity: z.number(),
      }),
    )
    .optional(),
});
/** See {@link DirectsInfo}. */
export type DirectsInfo = z.infer<typeof DirectsInfo>;
