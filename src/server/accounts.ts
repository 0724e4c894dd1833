import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { RedisConn } from './redis.js';
import { ChatError, ErrorCode, type User } from '../protocol/index.js';
import type { Keys } from './keys.js';

/** scrypt parameters: N=2^14, r=8, p=1 (about 50 ms and 16 MB here), 32-byte key. */
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LEN = 32;

interface StoredUser {
  name: string;
  createdAt: number;
  salt: string;
  hash: string;
}

function deriveKey(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LEN, SCRYPT, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The one message for every failed login: it never says which half was wrong. */
export const BAD_CREDENTIALS = 'wrong user name or password';

export interface LoginOutcome {
  user: User;
  created: boolean;
}

/** What a login may do: log in or register (one step), only log in, or only register. */
export type LoginMode = 'either' | 'existing' | 'new';

/**
 * Logs a user in, registering the name on first use (`either`). `existing` refuses a name with
 * no account (`no_such_user`) and `new` one that has an account (`name_taken`); neither then
 * writes anything. Registering and checking a password both run exactly one scrypt, so in the
 * one-step mode timing does not tell a new name from a known one with a wrong password.
 */
export async function loginOrRegister(
  redis: RedisConn,
  keys: Keys,
  name: string,
  password: string,
  mode: LoginMode = 'either',
): Promise<LoginOutcome> {
  const raw = await redis.get(keys.user(name));
  if (raw) {
    if (mode === 'new') throw taken(name);
    return { user: await verify(JSON.parse(raw) as StoredUser, password), created: false };
  }
  if (mode === 'existing') {
    throw new ChatError(ErrorCode.NoSuchUser, `there is no account named "${name}"`);
  }

  const salt = randomBytes(16);
  const hash = await deriveKey(password, salt);
  const stored: StoredUser = {
    name,
    createdAt: Date.now(),
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
  };
  const set = await redis.set(keys.user(name), JSON.stringify(stored), 'NX');
  if (set === 'OK') return { user: { name, createdAt: stored.createdAt }, created: true };
  // Someone registered the same name a moment ago: it is theirs now.
  if (mode === 'new') throw taken(name);
  const again = await redis.get(keys.user(name));
  if (!again) throw new ChatError(ErrorCode.Unavailable, 'could not read the account; try again');
  return { user: await verify(JSON.parse(again) as StoredUser, password), created: false };
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

export async function getUser(redis: RedisConn, keys: Keys, name: string): Promise<User | null> {
  const raw = await redis.get(keys.user(name));
  if (!raw) return null;
  const s = JSON.parse(raw) as StoredUser;
  return { name: s.name, createdAt: s.createdAt };
}
