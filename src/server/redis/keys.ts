/**
 * Every Redis key and channel name, built from one configurable prefix. Names that come
 * from users (rooms, user names) are validated against NAME_PATTERN before they reach here,
 * so they never carry `*`, `:`, braces or anything else Redis or the layout treats specially;
 * a direct conversation's room is `@<a>+<b>` of two such names (src/server/rooms/direct.ts).
 *
 * Redis Cluster places a key by its first `{hash tag}`: every key of one room carries
 * `{<room>}`, so a room lives in one slot and the append script (log, meta, dedupe, channel)
 * never crosses slots; a user's keys (account, sessions, ban, flood penalties, read markers)
 * carry `{<user>}`, so the handshake and every account change run as one script in that slot;
 * the instance status keys share one tag so the console reads them with one MGET. Nothing
 * else is ever touched together.
 */
export interface Keys {
  /** The account: JSON of name, createdAt, incarnation, scrypt salt and hash. */
  user(name: string): string;
  /** Set of the hashes of the account's sessions (to end them all). */
  userSessions(name: string): string;
  /** A ban on the account (JSON), expiring with a timed ban. */
  userBan(name: string): string;
  /** When the account was last seen (ms). */
  userSeen(name: string): string;
  /** Hash of the user's read markers: room (or `@peer`) -> id of the last message seen. */
  userMarks(name: string): string;
  /** Sorted set of the rooms the user keeps for the next start (`/join`), by when joined. */
  userRooms(name: string): string;
  /** Sorted set of the user's direct conversations (peer names) by last activity. */
  userDirects(name: string): string;
  /** The user's away message (JSON: message, since), while away. */
  userAway(name: string): string;
  /**
   * A session, in its user's slot (the token names its user): the handshake reads it with
   * the account and its ban in one script.
   */
  session(user: string, hash: string): string;
  /** `session(user, <hash>)` without the hash, for scripts that end every session of a user. */
  sessionPrefix(user: string): string;
  /** Index of the accounts (names scored by creation), for the operator's list. */
  users(): string;
  /**
   * Sharded pub/sub channel that names revoked sessions (comma-separated hashes), so every
   * instance drops them from its session cache at once.
   */
  sessionsRevoked(): string;
  roomLog(room: string): string;
  /**
   * Hash of the room's sequence (`seq`) and epoch (`epoch`), changed together by the append
   * script; a direct conversation's also names its two accounts (`owners`), or, once a deletion
   * ended it, holds only that account (`gone`).
   */
  roomMeta(room: string): string;
  roomPresence(room: string): string;
  /**
   * Hash of the room's changed messages: original id -> `<rev>|<e or d>|<text>`, the newest
   * edit or delete of it (changed with the log by the change script).
   */
  roomEdits(room: string): string;
  /** Sorted set of the changed messages' ids by their time (ms), to forget those trimmed. */
  roomEditOrder(room: string): string;
  /**
   * Sorted set of the presence ids (instances) with entries in the room, scored by when their
   * newest entry expires.
   */
  roomPresenceBoots(room: string): string;
  roomTyping(room: string): string;
  sendDedupe(room: string, user: string, clientMsgId: string): string;
  /** Sharded pub/sub channel of one room's stored messages, in the room's slot. */
  roomChannel(room: string): string;
  /** Index of rooms by last activity (updated outside the append script: another slot). */
  rooms(): string;
  /** Index of direct conversations (internal names, `@a+b`) by last activity, like `rooms`. */
  directs(): string;
  instances(): string;
  instance(id: string): string;
  /** Set of the rooms an instance's clients are in (the status counts distinct rooms). */
  instanceRooms(id: string): string;
  /**
   * Sorted set of every instance's presence id, scored by when it expires unless renewed (each
   * beat); an expired id is dead for good, and forgotten once its entries have all expired.
   */
  presenceAlive(): string;
  /**
   * Key prefix of one login limiter (`ip`, `ipfail`, `pair`, `user`); the limiter appends
   * `:<address>`, `:<name>` or `:<name>:<address>`. Each limiter key stands alone.
   */
  loginLimiter(kind: string): string;
  /**
   * Floods by a session (their count sets the next penalty), in its user's slot like the
   * session itself.
   */
  floodStrikes(user: string, hash: string): string;
  /**
   * Present while a session cut off for flooding may not connect, in its user's slot: the
   * handshake's session script reads it with the session, in the same step.
   */
  floodBlock(user: string, hash: string): string;
  /** Key prefix of the Socket.IO Redis adapter's channels. */
  adapterPrefix(): string;
}

/** A prefix must not carry a hash tag of its own, or every key would land in one slot. */
export function checkKeyPrefix(prefix: string): string {
  if (/[{}\s]/.test(prefix)) {
    throw new Error(
      `CHAT_KEY_PREFIX must not contain braces or spaces (Redis Cluster hash tags), got ${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}

export function makeKeys(prefix: string): Keys {
  checkKeyPrefix(prefix);
  const room = (r: string): string => `${prefix}room:{${r}}`;
  const user = (name: string): string => `${prefix}user:{${name}}`;
  return {
    user,
    userSessions: (name) => `${user(name)}:sessions`,
    userBan: (name) => `${user(name)}:ban`,
    userSeen: (name) => `${user(name)}:seen`,
    userMarks: (name) => `${user(name)}:marks`,
    userRooms: (name) => `${user(name)}:rooms`,
    userDirects: (name) => `${user(name)}:directs`,
    userAway: (name) => `${user(name)}:away`,
    session: (name, hash) => `${user(name)}:session:${hash}`,
    sessionPrefix: (name) => `${user(name)}:session:`,
    users: () => `${prefix}users`,
    sessionsRevoked: () => `${prefix}sessions:revoked`,
    roomLog: (r) => `${room(r)}:log`,
    roomMeta: (r) => `${room(r)}:meta`,
    roomPresence: (r) => `${room(r)}:presence`,
    roomEdits: (r) => `${room(r)}:edits`,
    roomEditOrder: (r) => `${room(r)}:edits:order`,
    roomPresenceBoots: (r) => `${room(r)}:presence:boots`,
    roomTyping: (r) => `${room(r)}:typing`,
    sendDedupe: (r, user, id) => `${room(r)}:sent:${user}:${id}`,
    roomChannel: (r) => `${room(r)}:messages`,
    rooms: () => `${prefix}rooms`,
    directs: () => `${prefix}directs`,
    instances: () => `${prefix}{instances}`,
    instance: (id) => `${prefix}{instances}:${id}`,
    instanceRooms: (id) => `${prefix}{instances}:${id}:rooms`,
    presenceAlive: () => `${prefix}{instances}:presence:alive`,
    loginLimiter: (kind) => `${prefix}ratelimit:login:${kind}`,
    floodStrikes: (name, hash) => `${user(name)}:flood:strikes:${hash}`,
    floodBlock: (name, hash) => `${user(name)}:flood:block:${hash}`,
    adapterPrefix: () => `${prefix}sio`,
  };
}

/**
 * How long a room's meta (its sequence and epoch) outlives the last sign of use while the room
 * has no message: made by a join, it is kept while anyone is in the room (each presence
 * renewal extends it) and for this long after; the room's first message makes it permanent.
 * A name joined once and left must not keep a key for ever.
 */
export const UNUSED_ROOM_TTL_SEC = 24 * 3600;

/**
 * How long a direct conversation's mark of its deleted account (`gone`, see
 * `AccountOps.remove`) is kept (while a socket of the other side is still in it, its
 * presence renewals keep the mark as they keep any room's meta: see UNUSED_ROOM_TTL_SEC). A
 * socket that had it open is told why its sends are refused; after the mark, that the
 * conversation is not open any more (only a join opens one). Whoever has the name next is
 * protected by the conversation's `owners`, not by this.
 */
export const GONE_MARK_TTL_SEC = 30 * 24 * 3600;

/** Every key a room keeps in its own slot (its dedupe keys expire by themselves). */
export function roomKeys(keys: Keys, room: string): string[] {
  return [
    keys.roomLog(room),
    keys.roomMeta(room),
    keys.roomPresence(room),
    keys.roomPresenceBoots(room),
    keys.roomTyping(room),
    keys.roomEdits(room),
    keys.roomEditOrder(room),
  ];
}

/** How many keys {@link roomKeys} names (a script given them all declares this many). */
export const ROOM_KEY_COUNT = roomKeys(makeKeys(''), 'r').length;
