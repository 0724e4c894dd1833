import { z } from 'zod';
import { ChatMessage } from './models.js';
import { Address, MessageId, Name } from './schemas.js';

/*
 * Read markers kept by the server: for each user, the id of the last message they have seen
 * in each room and direct conversation. Every client of the user reads and moves the same
 * markers, so unread counts, the unread-marker line and `/mentions` are the same on a second
 * terminal and after a restart.
 */

/** Most rooms and conversations one user has a read marker in (`marks:set` refuses more). */
export const MARKS_MAX = 1000;

/** Most rooms one user keeps for the next start (`room:join` with `remember`); the oldest go. */
export const SAVED_ROOMS_MAX = 200;

/** Most rooms and conversations one `marks:fetch` looks at (the newest conversations first). */
export const MARKS_ROOMS_MAX = 200;

/**
 * Unread counts are exact up to this; a client shows more as `999+`. (The server counts by
 * sequence numbers, so it knows the exact number, but nobody reads 4711 of anything.)
 */
export const UNREAD_SHOWN_MAX = 999;

/** Most mentions `marks:fetch` answers with (the newest). */
export const MARKS_MENTIONS_MAX = 50;

/** `marks:set`: the user has seen `room` up to the message `id` (a marker only moves forward). */
export const MarkPayload = z.strictObject({ room: Address, id: MessageId });
/** See {@link MarkPayload}. */
export type MarkPayload = z.infer<typeof MarkPayload>;

/** Most users one `marks:fetch` may leave out of its counts (a client's ignore list). */
export const MARKS_IGNORE_MAX = 1000;

/**
 * `marks:fetch`. `ignore`: users whose messages the client does not show (its `/ignore`
 * list): left out of the counts, the mentions and the last sender, as the user's own are.
 */
export const MarksFetchPayload = z.strictObject({
  ignore: z.array(Name).max(MARKS_IGNORE_MAX).optional(),
});
/** See {@link MarksFetchPayload}. */
export type MarksFetchPayload = z.infer<typeof MarksFetchPayload>;

/**
 * A read marker as it stands (`marks:set` answers it, `marks:updated` tells the user's other
 * sockets): everything in `room` up to `id` has been seen.
 */
export const MarkUpdate = z.object({ room: z.string(), id: z.string() });
/** See {@link MarkUpdate}. */
export type MarkUpdate = z.infer<typeof MarkUpdate>;

/** A room or conversation with messages after the user's read marker. */
export const UnreadRoom = z.object({
  /** As the user names it: a room name, or `@peer`. */
  room: z.string(),
  /**
   * Messages after the marker, the user's own and those of the users the request left out
   * (`ignore`) left out (exact; see {@link UNREAD_SHOWN_MAX}).
   */
  unread: z.number().int().nonnegative(),
  /**
   * Of those, the ones that name the user (in a conversation: every one from the peer), by the
   * rule in mentions.ts.
   */
  mentions: z.number().int().nonnegative(),
  /**
   * The server read only the newest unread messages (the work of one answer is bounded):
   * `mentions` counts among those, so there may be more; so may `unread`, where the marker's
   * message is no longer kept (then only what was read is counted).
   */
  partial: z.boolean(),
  /** Who wrote the newest message (not the user's own), its id, sequence number and time. */
  lastFrom: z.string(),
  lastId: z.string(),
  lastSeq: z.number().int().nonnegative(),
  lastTs: z.number(),
  /** The marker (absent: none yet, as in a conversation someone opened while the user was away). */
  readTo: z.string().optional(),
});
/** See {@link UnreadRoom}. */
export type UnreadRoom = z.infer<typeof UnreadRoom>;

/** What `marks:fetch` answers: where the user stands, in one answer, for a client that starts. */
export const MarksSummary = z.object({
  /** Rooms (and conversations) the user joined with `remember`, oldest first: open them again. */
  rooms: z.array(z.string()),
  /** Every room and conversation with messages after the user's marker, newest first. */
  unread: z.array(UnreadRoom),
  /**
   * Messages after the markers that name the user, newest last, at most
   * {@link MARKS_MENTIONS_MAX}; each names its room as the user does (`@peer`).
   */
  mentions: z.array(ChatMessage),
});
/** See {@link MarksSummary}. */
export type MarksSummary = z.infer<typeof MarksSummary>;
