import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Result } from 'ioredis';
import pLimit from 'p-limit';
import type { RedisConn } from '../redis/clients.js';
import { ChatError, ErrorCode, SessionEndReason, type User } from '../../protocol/index.js';
import type { Keys } from '../redis/keys.js';
import { randomId } from '../redis/ids.js';
import { END_SESSIONS_LUA, ENDED_SESSION_KEEP_SEC } from './session-scripts.js';
import { defineScript } from '../redis/scripts.js';

/** scrypt parameters: N=2^14, r=8, p=1 (about 50 ms and 16 MB here), 32-byte key. */
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LEN = 32;

/** An account as Redis keeps it (JSON at `user:{<name>}`). */
export interface StoredUser {
  name: string;
  createdAt: number;
  salt: string;
  hash: string;
  /**
   * Incarnation: random, made at registration. Sessions carry it, so a session of an account
   * that was deleted and registered again is refused. Accounts made before incarnations
   * existed have none ('' stands for it).
   */
  inc?: string;
}

/**
 * Registers an account if the name is free, in one step with clearing what an earlier
 * account of that name may have left behind (sessions, a ban, its last-seen mark: they were
 * that account's, not this one's; so were its read markers, kept rooms, conversations and
 * away message).
 * KEYS: account, sessions index, ban, seen, marks, rooms, directs, away. ARGV: account JSON,
 * session prefix.
 * Returns {0} (the name is taken) or {1, hashes of sessions ended}.
 */
const REGISTER_SCRIPT = `${END_SESSIONS_LUA}
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return {0} end
local hashes = end_sessions(KEYS[2], ARGV[2], '${SessionEndReason.AccountDeleted}', ${ENDED_SESSION_KEEP_SEC})
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
return {1, hashes}
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatRegister(
      account: string,
      index: string,
      ban: string,
      seen: string,
      marks: string,
      rooms: string,
      directs: string,
      away: string,
      record: string,
      prefix: string,
    ): Result<[0] | [1, string[]], Context>;
  }
}

/**
 * Password hashes an instance computes at once. Each takes 16 MB (N * r * 128 bytes) on a
 * libuv thread: a login storm run four at a time (the whole pool) would hold four of them at
 * once and keep every other use of the pool (DNS, files) waiting behind it. (That glibc keeps
 * them resident afterwards is malloc-tuning.ts's part.)
 */
export const HASHES_IN_FLIGHT = 2;
/** Logins that may wait for a hash; past this a login is told to retry (503), not queued. */
export const HASHES_WAITING_MAX = 500;

/**
 * Runs work at most `inFlight` at a time, with at most `waitingMax` waiting; work past that
 * is refused at once (`unavailable`), so a storm costs a bounded queue, not unbounded memory.
 */
export function boundedWork(
  inFlight: number,
  waitingMax: number,
): <T>(work: () => Promise<T>) => Promise<T> {
  const limit = pLimit(inFlight);
  return (work) =>
    // p-limit starts queued work a microtask later: count what runs and waits together.
    limit.activeCount + limit.pendingCount >= inFlight + waitingMax
      ? Promise.reject(
          new ChatError(ErrorCode.Unavailable, 'too many logins at once; retry in a moment'),
        )
      : limit(work);
}

const hashing = boundedWork(HASHES_IN_FLIGHT, HASHES_WAITING_MAX);

function deriveKey(password: string, salt: Buffer): Promise<Buffer> {
  return hashing(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(password, salt, KEY_LEN, SCRYPT, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

/** The one message for every failed login: it never says which half was wrong. */
export const BAD_CREDENTIALS = 'wrong user name or password';

export interface LoginOutcome {
  user: User;
  /** The account's incarnation: the session made next must belong to it. */
  inc: string;
  created: boolean;
  /** Sessions left by an earlier account of the name, ended by this registration. */
  ended: string[];
}

/** What a login may do: log in or register (one step), only log in, or only register. */
export type LoginMode = 'either' | 'existing' | 'new';

/** A fresh account record (a random incarnation; loadtest accounts use it too). */
export function newAccount(name: string, salt: Buffer, hash: Buffer, now = Date.now()): StoredUser {
  return {
    name,
    createdAt: now,
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
    inc: randomId(12),
  };
}

/** Accounts: registration, password checks, lookups. */
export class Accounts {
  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
  ) {
    defineScript(redis, 'chatRegister', { numberOfKeys: 8, lua: REGISTER_SCRIPT });
  }

  /**
   * Logs a user in, registering the name on first use (`either`). `existing` refuses a name
   * with no account (`no_such_user`) and `new` one that has an account (`name_taken`);
   * neither then writes anything. Registering and checking a password both run exactly one
   * scrypt, so in the one-step mode timing does not tell a new name from a known one with a
   * wrong password.
   */
  async login(name: string, password: string, mode: LoginMode = 'either'): Promise<LoginOutcome> {
    const { redis, keys } = this;
    const raw = await redis.get(keys.user(name));
    if (raw) {
      if (mode === 'new') throw taken(name);
      return this.existing(JSON.parse(raw) as StoredUser, password);
    }
    if (mode === 'existing') {
      throw new ChatError(ErrorCode.NoSuchUser, `there is no account named "${name}"`);
    }

    const salt = randomBytes(16);
    const stored = newAccount(name, salt, await deriveKey(password, salt));
    const reply = await redis.chatRegister(
      keys.user(name),
      keys.userSessions(name),
      keys.userBan(name),
      keys.userSeen(name),
      keys.userMarks(name),
      keys.userRooms(name),
      keys.userDirects(name),
      keys.userAway(name),
      JSON.stringify(stored),
      keys.sessionPrefix(name),
    );
    if (reply[0] === 1) {
      // The operator's index of accounts (another slot: a step of its own).
      await redis.zadd(keys.users(), stored.createdAt, name);
      return {
        user: { name, createdAt: stored.createdAt },
        inc: stored.inc!,
        created: true,
        ended: reply[1],
      };
    }
    // Someone registered the same name a moment ago: it is theirs now.
    if (mode === 'new') throw taken(name);
    const again = await redis.get(keys.user(name));
    if (!again) throw new ChatError(ErrorCode.Unavailable, 'could not read the account; try again');
    return this.existing(JSON.parse(again) as StoredUser, password);
  }

  private async existing(stored: StoredUser, password: string): Promise<LoginOutcome> {
    const user = await verify(stored, password);
    // Accounts made before the index existed join it on their next login.
    await this.redis.zadd(this.keys.users(), 'NX', stored.createdAt, stored.name);
    return { user, inc: stored.inc ?? '', created: false, ended: [] };
  }
}

const taken = (name: string): ChatError =>
  new ChatError(ErrorCode.NameTaken, `"${name}" is registered already: log in with its password`);

async function verify(stored: StoredUser, password: string): Promise<User> {
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await deriveKey(password, Buffer.from(stored.salt, 'base64'));
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new ChatError(ErrorCode.Unauthorized, BAD_CREDENTIALS);
  }
  return { name: stored.name, createdAt: stored.createdAt };
}
