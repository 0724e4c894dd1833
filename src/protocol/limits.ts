/** Limits every program agrees on. The server enforces them; clients use them to fail early. */

/** Room and user names: lower-case letters, digits, `_` and `-`, starting with a letter or digit. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** An instance id (`CHAT_INSTANCE_ID`, `--id`): it names keys, logs and session ids. */
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Longest room or user name, in characters. */
export const NAME_MAX_LENGTH = 32;

/** Longest message text, in characters (UTF-16 code units). */
export const MESSAGE_MAX_LENGTH = 2000;

/** Longest admin broadcast text, in characters. */
export const BROADCAST_MAX_LENGTH = 500;

/** Longest reason an operator gives for a ban, in characters. */
export const BAN_REASON_MAX_LENGTH = 200;

/** Longest timed ban, in milliseconds (10 years); longer is a ban without an end. */
export const BAN_MAX_MS = 3650 * 24 * 3600 * 1000;

/** Most accounts one `admin:users:list` answers with. */
export const USER_LIST_MAX = 1000;

/** Shortest and longest password, in characters. */
export const PASSWORD_MIN_LENGTH = 4;
export const PASSWORD_MAX_LENGTH = 200;

/**
 * How long "typing" holds after the last `typing:set`: the server expires it then and
 * clients stop showing it then, so a client that vanished stops "typing" everywhere.
 */
export const TYPING_TTL_MS = 6000;

/** Client-chosen message ids make retried sends idempotent. */
export const CLIENT_MSG_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * A message id is the id of its entry in the room's Redis stream: `<ms>-<seq>`, decimal
 * without leading zeros (as Redis writes them; `compareIds` relies on it).
 */
export const MESSAGE_ID_PATTERN = /^(0|[1-9]\d{0,19})-(0|[1-9]\d{0,19})$/;

/** Largest page of history one request returns. */
export const HISTORY_PAGE_MAX = 500;

/**
 * Most history entries one `room:search` request reads: a search walks the room's history in
 * steps of at most this many, newest first, each step one request (see `SearchResult.next`).
 */
export const SEARCH_SCAN_MAX = 1000;

/** Most hits one `room:search` answer carries. */
export const SEARCH_HITS_MAX = 50;

/** Longest text `room:search` looks for, in characters. */
export const SEARCH_TEXT_MAX = 200;

/** Default page of history a join returns when no `since` is given. */
export const HISTORY_PAGE_DEFAULT = 50;

/**
 * Most member names any message carries (`presence:updated`, a join, a room listing);
 * `count` always says how many there are. A room of thousands stays cheap to announce.
 */
export const MEMBER_LIST_MAX = 100;

/** Most member names `room:members` answers with. */
export const MEMBER_QUERY_MAX = 1000;

/**
 * Rooms one socket may be in at once, by default: a server may raise or lower it
 * (`CHAT_MAX_ROOMS`); the join it refuses says how many.
 */
export const MAX_ROOMS_PER_SOCKET = 50;

/** Largest Socket.IO/Engine.IO packet the server accepts, in bytes. */
export const MAX_PACKET_BYTES = 64 * 1024;

/** Socket.IO namespace of the admin API. */
export const ADMIN_NAMESPACE = '/admin';

/**
 * Words that name the server or its operators (broadcasts come from `admin`): no user name
 * may be one, or begin with one (see {@link isReservedName}).
 */
export const RESERVED_WORDS: readonly string[] = [
  'admin',
  'administrator',
  'system',
  'server',
  'root',
  'chat',
  'operator',
  'moderator',
  'mod',
  'sysop',
];

/**
 * Whether nobody may register or log in as `name`: it is a reserved word, or a reserved word
 * followed by a separator (`-`, `_`) or a digit and anything (`admin-`, `system_bot`,
 * `server2`), compared without regard to case. A name that only begins with a word's letters
 * (`rooted`, `chatty`, `modern`) or has one later (`my-admin`) is anyone's.
 */
export function isReservedName(name: string): boolean {
  const n = name.toLowerCase();
  return RESERVED_WORDS.some(
    (w) => n.startsWith(w) && (n.length === w.length || /[-_0-9]/.test(n.charAt(w.length))),
  );
}
