import { z } from 'zod';
import {
  BAN_MAX_MS,
  BAN_REASON_MAX_LENGTH,
  BROADCAST_MAX_LENGTH,
  CLIENT_MSG_ID_PATTERN,
  HISTORY_PAGE_MAX,
  MESSAGE_ID_PATTERN,
  MESSAGE_MAX_LENGTH,
  NAME_MAX_LENGTH,
  NAME_PATTERN,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  SEARCH_HITS_MAX,
  SEARCH_TEXT_MAX,
  USER_LIST_MAX,
} from './limits.js';
import { isAddress } from './address.js';

/** A room or user name (see {@link NAME_PATTERN}). */
export const Name = z
  .string({ error: 'must be a string' })
  .max(NAME_MAX_LENGTH, `must be at most ${NAME_MAX_LENGTH} characters`)
  .regex(
    NAME_PATTERN,
    'must be 1-32 characters of a-z, 0-9, "_" or "-", starting with a letter or digit',
  );

/**
 * Where a chat event names a room: a room name, or `@user` for the direct conversation with
 * that user (see src/protocol/address.ts). Nothing else: internal names are not addressable.
 */
export const Address = z
  .string({ error: 'must be a string' })
  .max(NAME_MAX_LENGTH + 1, `must be at most ${NAME_MAX_LENGTH + 1} characters`)
  .refine(
    isAddress,
    'must be a room name (1-32 characters of a-z, 0-9, "_" or "-", starting with a letter or digit) or @ and a user name',
  );

/** Largest part of a Redis stream id: both halves are unsigned 64-bit integers. */
const U64_MAX = '18446744073709551615';

/** Whether a decimal string (digits, no leading zeros) fits an unsigned 64-bit integer. */
function fitsU64(d: string): boolean {
  return d.length < U64_MAX.length || (d.length === U64_MAX.length && d <= U64_MAX);
}

/**
 * A message id (a Redis stream id). Each half must fit 64 bits: Redis refuses larger ones,
 * and such an id is the sender's mistake (`bad_request`), not the server's.
 */
export const MessageId = z
  .string({ error: 'must be a string' })
  .regex(MESSAGE_ID_PATTERN, 'must be a message id like 1700000000000-0')
  .refine(
    (s) => s.split('-').every(fitsU64),
    'must be a message id whose parts fit 64 bits (at most 18446744073709551615)',
  );

/** A room's epoch, as the server gave it (see {@link JoinResult}). */
export const Epoch = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be an epoch as the server gave it');

/** `since` of a history read: the largest id has nothing after it (Redis refuses the range). */
const SinceId = MessageId.refine(
  (s) => s !== `${U64_MAX}-${U64_MAX}`,
  'must be below the largest message id (nothing can follow it)',
);

/** `before` of a history read: nothing precedes `0-0` (Redis refuses the range). */
const BeforeId = MessageId.refine((s) => s !== '0-0', 'must be above 0-0 (nothing precedes it)');

/**
 * Whether text has something to see: not only whitespace, control or format characters
 * (zero-width spaces and joiners, bidi marks, soft hyphens) or the blank "filler" letters
 * that render as nothing. Chat messages and admin broadcasts share this rule.
 */
export function hasVisibleText(s: string): boolean {
  // Marks that draw nothing of their own (accents, variation selectors, the grapheme joiner)
  // are invisible without a character to sit on.
  return !/^[\s\p{Cc}\p{Cf}\p{Mn}\p{Me}\u115F\u1160\u2800\u3164\uFFA0]*$/u.test(s);
}

/** Whether text is well-formed UTF-16: a lone surrogate would be stored as U+FFFD, not as sent. */
export function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDFFF]/u.test(s);
}

/**
 * Whether text is at most `max` characters as the limits count them: UTF-16 code units, what
 * `.length` says in JavaScript (an emoji is 2). zod's `.max` counts code points, which let a
 * text of 2000 emoji (4000 units) through a limit of 2000.
 */
export function withinUnits(max: number): (s: string) => boolean {
  return (s) => s.length <= max;
}

/** Text shown to people (a message, a broadcast): not blank, no NUL, within `max`. */
function shownText(max: number) {
  return z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .refine(withinUnits(max), `must be at most ${max} characters`)
    .refine(hasVisibleText, 'must not be blank (only spaces, invisible or control characters)')
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL')
    .refine(isWellFormed, 'must be valid Unicode (a lone surrogate is not a character)');
}

/** A whole number from 1 to `max` (how many of something a request asks for). */
function countUpTo(max: number) {
  return z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`);
}

/** Text a person wrote: something visible, no NUL, and within the length cap. */
export const MessageText = shownText(MESSAGE_MAX_LENGTH);

/**
 * Body of `POST /api/login`. Without `create`, one step: an existing name logs in, a new one
 * is registered (scripts use this). `create: false` only logs in: a name with no account is
 * refused with `no_such_user` (HTTP 404) and nothing is made, so a client can ask for the new
 * password twice before `create: true`, which only registers (`name_taken`, HTTP 409, if the
 * name has an account by then).
 */
export const LoginRequest = z.strictObject({
  username: Name,
  password: z
    .string({ error: 'must be a string' })
    .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
    .refine(withinUnits(PASSWORD_MAX_LENGTH), `must be at most ${PASSWORD_MAX_LENGTH} characters`)
    // Hashed as UTF-8, a lone surrogate becomes U+FFFD: other strings would match it.
    .refine(isWellFormed, 'must be valid Unicode (a lone surrogate is not a character)'),
  create: z.boolean({ error: 'must be true or false' }).optional(),
});
/** See {@link LoginRequest}. */
export type LoginRequest = z.infer<typeof LoginRequest>;

/** `room:join`: join a room; with `since`, get every message after that id (exclusive). */
export const JoinPayload = z.strictObject({
  room: Address,
  since: SinceId.optional(),
  /** The epoch `since` belongs to: if the room's epoch changed, `since` means nothing now. */
  epoch: Epoch.optional(),
  limit: z.number().int().min(1).max(HISTORY_PAGE_MAX).optional(),
  /**
   * Keep the room for the user's next start (the terminal client's `/join`): `marks:fetch`
   * lists it until `room:leave`.
   */
  remember: z.boolean().optional(),
});
/** See {@link JoinPayload}. */
export type JoinPayload = z.infer<typeof JoinPayload>;

/** `room:leave`. */
export const LeavePayload = z.strictObject({ room: Address });
/** See {@link LeavePayload}. */
export type LeavePayload = z.infer<typeof LeavePayload>;

/** `room:history`: a page after `since` (exclusive) or before `before` (exclusive). */
export const HistoryPayload = z
  .strictObject({
    room: Address,
    since: SinceId.optional(),
    before: BeforeId.optional(),
    /** The epoch `since`/`before` belong to (see {@link JoinPayload}). */
    epoch: Epoch.optional(),
    limit: z.number().int().min(1).max(HISTORY_PAGE_MAX).optional(),
  })
  .refine((p) => !(p.since && p.before), 'give since or before, not both');
/** See {@link HistoryPayload}. */
export type HistoryPayload = z.infer<typeof HistoryPayload>;

/** `room:members`. */
export const MembersPayload = z.strictObject({ room: Address });
/** See {@link MembersPayload}. */
export type MembersPayload = z.infer<typeof MembersPayload>;

/** `room:list`. */
export const ListRoomsPayload = z.strictObject({});
/** See {@link ListRoomsPayload}. */
export type ListRoomsPayload = z.infer<typeof ListRoomsPayload>;

/** A client's idempotency key for something it stores (a send, an edit, a delete). */
const ClientMsgId = z
  .string({ error: 'must be a string' })
  .regex(CLIENT_MSG_ID_PATTERN, 'must be 8-64 characters of A-Z, a-z, 0-9, "_" or "-"');

/** `message:send`. The `clientMsgId` makes a retried send idempotent, on any instance. */
export const SendPayload = z.strictObject({
  room: Address,
  text: MessageText,
  clientMsgId: ClientMsgId,
  kind: z.enum(['text', 'action']).optional(),
});
/** See {@link SendPayload}. */
export type SendPayload = z.infer<typeof SendPayload>;

/**
 * `message:edit`: replaces the text of one of the sender's own messages (`id`, a text or
 * `/me` message still in the room's history and not deleted). Stored as a new history entry
 * (kind `edit`, `ref` = `id`); the `clientMsgId` makes a retry idempotent, as a send's does.
 */
export const EditPayload = z.strictObject({
  room: Address,
  id: MessageId,
  text: MessageText,
  clientMsgId: ClientMsgId,
});
/** See {@link EditPayload}. */
export type EditPayload = z.infer<typeof EditPayload>;

/** `message:delete`: deletes one of the sender's own messages (as `message:edit` says). */
export const DeletePayload = z.strictObject({
  room: Address,
  id: MessageId,
  clientMsgId: ClientMsgId,
});
/** See {@link DeletePayload}. */
export type DeletePayload = z.infer<typeof DeletePayload>;

/**
 * `room:search`: messages of the room's kept history whose current text contains `text`
 * (ignoring case and accents: see searchFold), newest first, starting before `before` (exclusive; the newest when
 * absent). One request reads at most SEARCH_SCAN_MAX entries; the answer's `next` is where
 * the next request continues.
 */
export const SearchPayload = z.strictObject({
  room: Address,
  text: shownText(SEARCH_TEXT_MAX),
  before: BeforeId.optional(),
  limit: countUpTo(SEARCH_HITS_MAX).optional(),
});
/** See {@link SearchPayload}. */
export type SearchPayload = z.infer<typeof SearchPayload>;

/** `typing:set`. */
export const TypingPayload = z.strictObject({ room: Address, typing: z.boolean() });
/** See {@link TypingPayload}. */
export type TypingPayload = z.infer<typeof TypingPayload>;

/** `sys:ping`: a round trip through the app layer, to show latency. */
export const PingPayload = z.strictObject({ t: z.number() });
/** See {@link PingPayload}. */
export type PingPayload = z.infer<typeof PingPayload>;

/** `admin:status`. */
export const AdminStatusPayload = z.strictObject({});
/** `admin:rooms`. */
export const AdminRoomsPayload = z.strictObject({
  /** Also list who is in each direct conversation (names only, never messages). */
  directs: z.boolean().optional(),
});
/** See {@link AdminRoomsPayload}. */
export type AdminRoomsPayload = z.infer<typeof AdminRoomsPayload>;

/** `admin:broadcast`: to everyone, or to one room (then also kept in its history). */
export const AdminBroadcastPayload = z.strictObject({
  text: shownText(BROADCAST_MAX_LENGTH),
  room: Name.optional(),
});
/** See {@link AdminBroadcastPayload}. */
export type AdminBroadcastPayload = z.infer<typeof AdminBroadcastPayload>;

/** `admin:restart`: drain one instance; its supervisor starts it again. */
export const AdminRestartPayload = z.strictObject({
  instanceId: z.string().min(1).max(64),
});
/** See {@link AdminRestartPayload}. */
export type AdminRestartPayload = z.infer<typeof AdminRestartPayload>;

/** `admin:kick`: end every session of a user. */
export const AdminKickPayload = z.strictObject({ user: Name });
/** See {@link AdminKickPayload}. */
export type AdminKickPayload = z.infer<typeof AdminKickPayload>;

/** `admin:users:list`: the newest `limit` accounts (default 100). */
export const AdminUsersListPayload = z.strictObject({
  limit: countUpTo(USER_LIST_MAX).optional(),
});
/** See {@link AdminUsersListPayload}. */
export type AdminUsersListPayload = z.infer<typeof AdminUsersListPayload>;

/** `admin:users:delete` and `admin:users:unban`: one account, by name. */
export const AdminUserPayload = z.strictObject({ user: Name });
/** See {@link AdminUserPayload}. */
export type AdminUserPayload = z.infer<typeof AdminUserPayload>;

/** `admin:users:ban`: refuse an account's logins and handshakes and end its sessions. */
export const AdminBanPayload = z.strictObject({
  user: Name,
  /** How long the ban lasts, in ms; without it the ban lasts until `admin:users:unban`. */
  forMs: z
    .number({ error: 'must be a number' })
    .int('must be a whole number of milliseconds')
    .min(1000, 'must be at least 1 s')
    .max(BAN_MAX_MS, 'must be at most 3650 days (leave it out for a ban without an end)')
    .optional(),
  /** Shown to the banned user: one line of visible text. */
  reason: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .refine(
      withinUnits(BAN_REASON_MAX_LENGTH),
      `must be at most ${BAN_REASON_MAX_LENGTH} characters`,
    )
    .refine(hasVisibleText, 'must not be blank')
    .refine((s) => !/\p{Cc}/u.test(s), 'must be one line without control characters')
    .refine(isWellFormed, 'must be valid Unicode (a lone surrogate is not a character)')
    .optional(),
});
/** See {@link AdminBanPayload}. */
export type AdminBanPayload = z.infer<typeof AdminBanPayload>;

/** Names a load test gives its users and rooms: `lt<run id>-...`, so cleanup touches nothing else. */
export const LOADTEST_NAME_PATTERN = /^lt[a-z0-9]{4,12}-[a-z0-9_-]{1,16}$/;

/** `admin:users:create`: create load-test users with short-lived sessions (token-guarded bulk path). */
export const AdminUsersCreatePayload = z.strictObject({
  /** Users are named `<prefix>-<n>`; the prefix is `lt` and a run id. */
  prefix: z.string().regex(/^lt[a-z0-9]{4,12}$/, 'must be "lt" and 4-12 of a-z, 0-9'),
  /** First `n` (so a large run can be created in chunks). */
  from: z.number().int().min(0).max(1_000_000),
  count: z.number().int().min(1).max(1000),
  /** Users and sessions expire after this many seconds even if nobody cleans up. */
  ttlSec: z
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600),
});
/** See {@link AdminUsersCreatePayload}. */
export type AdminUsersCreatePayload = z.infer<typeof AdminUsersCreatePayload>;

/** `admin:loadtest:cleanup`: remove a load test's users, sessions and rooms. */
export const AdminLoadtestCleanupPayload = z.strictObject({
  users: z.array(z.string().regex(LOADTEST_NAME_PATTERN)).max(1000),
  rooms: z.array(z.string().regex(LOADTEST_NAME_PATTERN)).max(1000),
});
/** See {@link AdminLoadtestCleanupPayload}. */
export type AdminLoadtestCleanupPayload = z.infer<typeof AdminLoadtestCleanupPayload>;
