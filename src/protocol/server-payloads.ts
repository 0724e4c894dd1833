import { z } from 'zod';
import { DrainReason, SessionEndReason } from './errors.js';
import { ChatMessage, RoomInfo } from './models.js';

/*
 * What the chat server says to a client: the data of its acks and the payloads of the events
 * it pushes, as zod schemas beside the client-to-server ones (schemas.ts). The types are
 * inferred from them, so the server that sends and every program that checks what it got
 * (the TUI's client, the load tester) read one definition. A client parses them with the
 * default (non-strict) objects: a field added by a newer server is dropped, not refused.
 */

/** What `room:join` answers. */
export const JoinResult = z.object({
  room: z.string(),
  /** Messages in id order: the last page, or those after `since`. */
  messages: z.array(ChatMessage),
  /** More messages follow `messages` (fetch them with `room:history` and `since`). */
  hasMore: z.boolean(),
  /**
   * `since` is older than the history kept: messages after it may be gone. The client knows
   * how many from the sequence numbers (`messages[0].seq` against the last seq it saw).
   */
  truncated: z.boolean(),
  /** Up to MEMBER_LIST_MAX member names (sorted); `memberCount` is how many there are. */
  members: z.array(z.string()),
  memberCount: z.number().int().nonnegative(),
  typing: z.array(z.string()),
  /** Sequence number of the room's newest message (0 for an empty room). */
  lastSeq: z.number().int().nonnegative(),
  /** The room's epoch: ids and seqs are comparable only within one epoch. */
  epoch: z.string(),
  /**
   * The join gave `since` with another `epoch`: the room's history was reset on the server,
   * the client's position means nothing here, and `messages` is the newest page instead.
   */
  unrecoverable: z.boolean(),
  /**
   * The user's read marker in the room (see marks.ts): the id of the last message they have
   * seen there, from any client. Absent when they have none yet.
   */
  readTo: z.string().optional(),
});
/** See {@link JoinResult}. */
export type JoinResult = z.infer<typeof JoinResult>;

/** What `room:history` answers. */
export const HistoryResult = z.object({
  room: z.string(),
  messages: z.array(ChatMessage),
  hasMore: z.boolean(),
  truncated: z.boolean(),
  /**
   * See {@link JoinResult}. Absent when the room has no epoch: nothing has made it yet (a
   * read makes nothing; the first join or message does), or its history was lost. A client
   * keeps the epoch it holds until an answer or a message brings one.
   */
  epoch: z.string().optional(),
  /** See {@link JoinResult}. */
  unrecoverable: z.boolean(),
});
/** See {@link HistoryResult}. */
export type HistoryResult = z.infer<typeof HistoryResult>;

/** What `message:send` answers. */
export const SendResult = z.object({
  id: z.string(),
  seq: z.number().int().positive(),
  ts: z.number(),
  /** The room's epoch the message was stored in. */
  epoch: z.string(),
  /** The same `clientMsgId` was sent before: this is the id it got then; nothing new was stored. */
  duplicate: z.boolean(),
});
/** See {@link SendResult}. */
export type SendResult = z.infer<typeof SendResult>;

/**
 * What `room:search` answers: the hits of one step, newest first, each with its current text
 * (an edited message is found by its edited text, a deleted one never).
 */
export const SearchResult = z.object({
  room: z.string(),
  hits: z.array(ChatMessage),
  /** History entries this step read (at most SEARCH_SCAN_MAX). */
  scanned: z.number().int().nonnegative(),
  /**
   * Where the search goes on: send it again with `before: next` for older hits. Absent when
   * the whole kept history was searched.
   */
  next: z.string().optional(),
  /** The room's epoch the ids belong to; absent when the room has none. */
  epoch: z.string().optional(),
});
/** See {@link SearchResult}. */
export type SearchResult = z.infer<typeof SearchResult>;

/** A room's members: the first names (sorted, capped) and how many there are in all. */
export const MemberList = z.object({
  room: z.string(),
  members: z.array(z.string()),
  count: z.number().int().nonnegative(),
});
/** See {@link MemberList}. */
export type MemberList = z.infer<typeof MemberList>;

/** What `room:leave` answers. */
export const LeaveResult = z.object({ room: z.string() });
/** See {@link LeaveResult}. */
export type LeaveResult = z.infer<typeof LeaveResult>;

/** What `room:list` answers. */
export const RoomList = z.object({ rooms: z.array(RoomInfo) });
/** See {@link RoomList}. */
export type RoomList = z.infer<typeof RoomList>;

/** What `sys:ping` answers: the client's own time back, and who answered. */
export const Pong = z.object({ t: z.number(), instanceId: z.string() });
/** See {@link Pong}. */
export type Pong = z.infer<typeof Pong>;

/** Sent to each socket right after it connects (`session:welcome`). */
export const Welcome = z.object({
  user: z.string(),
  instanceId: z.string(),
  bootId: z.string(),
  serverTime: z.number(),
  /** Server-side idle ping interval, for the client's own liveness checks. */
  pingIntervalMs: z.number(),
});
/** See {@link Welcome}. */
export type Welcome = z.infer<typeof Welcome>;

/** Why a session ended (`session:ended`). */
export const SessionEnded = z.object({
  reason: z.enum(SessionEndReason),
  /** Said to the user as it is (a ban says until when, and why). */
  message: z.string().optional(),
});
/** See {@link SessionEnded}. */
export type SessionEnded = z.infer<typeof SessionEnded>;

/** This instance is going away (`server:draining`): connect elsewhere within the window. */
export const ServerDraining = z.object({
  instanceId: z.string(),
  reason: z.enum(DrainReason),
  reconnectWithinMs: z.number().nonnegative(),
});
/** See {@link ServerDraining}. */
export type ServerDraining = z.infer<typeof ServerDraining>;

/** The instance may have missed live messages (`sync:required`): resume every room. */
export const SyncRequired = z.object({ reason: z.string() });
/** See {@link SyncRequired}. */
export type SyncRequired = z.infer<typeof SyncRequired>;

/** Someone started or stopped typing in a room (`typing:updated`). */
export const TypingUpdate = z.object({ room: z.string(), user: z.string(), typing: z.boolean() });
/** See {@link TypingUpdate}. */
export type TypingUpdate = z.infer<typeof TypingUpdate>;

/**
 * Someone wrote in a direct conversation this socket has not joined (`direct:opened`; `room`
 * is `@<peer>`): join it to read the message (`id`: it and what follows are new).
 */
export const DirectOpened = z.object({ room: z.string(), from: z.string(), id: z.string() });
/** See {@link DirectOpened}. */
export type DirectOpened = z.infer<typeof DirectOpened>;
