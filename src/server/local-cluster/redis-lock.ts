import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Who owns a private Redis data directory. Two redis-servers appending to one directory lose
 * writes (one's AOF rewrite deletes files the other still appends to), so `chat-server start`
 * takes this lock before it starts one, and refuses a directory whose Redis still runs.
 */
export interface RedisLock {
  /** The redis-server, once started (0 while it is being started). */
  redisPid: number;
  /** The `chat-server start` that owns it, named in the refusal. */
  supervisorPid: number;
  /** Where it listens (its Unix socket). */
  address: string;
  startedAt: number;
}

/** Whether `pid` runs, and (where /proc tells) is the program it should be. */
export function pidRuns(pid: number, program?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it runs, as someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!program) return true;
  try {
    // A pid reused by an unrelated process after a reboot or a long time is not a Redis.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(program);
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
}

/** A lock file as read back: one written by an older version may lack its address. */
const LockFile = z.object({
  redisPid: z.number().int().nonnegative(),
  supervisorPid: z.number().int().positive(),
  address: z.string().optional(),
  startedAt: z.number().optional(),
});
type LockFile = z.infer<typeof LockFile>;

/** A lock file read back as `schema` says; undefined (stale) when unreadable or not one. */
export function readLockFile<T>(file: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // unreadable or half-written
  }
}

const readLock = (file: string): LockFile | undefined => readLockFile(file, LockFile);

/**
 * Creates a lock file holding `lock` exclusively (two processes cannot both win), replacing
 * a stale one: one read back (`schema`) whose owner `held` says still runs is refused with
 * `refusal`'s error.
 */
export function takeLockFile<T>(
  file: string,
  lock: unknown,
  schema: z.ZodType<T>,
  held: (other: T) => boolean,
  refusal: (other: T) => Error,
): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(lock)}\n`, { flag: 'wx', mode: 0o600 });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const other = readLockFile(file, schema);
    if (other && held(other)) throw refusal(other);
    unlinkSync(file); // stale: its owner is gone
  }
  throw new Error(`could not take the lock ${file}`);
}

/** Whether the lock's owner still runs: its Redis, or (while starting one) its supervisor. */
function held(lock: LockFile): boolean {
  return lock.redisPid > 0
    ? pidRuns(lock.redisPid, 'redis-server')
    : pidRuns(lock.supervisorPid, 'node');
}

/**
 * Takes the lock for a data directory (created exclusively, so two starts cannot both win),
 * replacing a stale one. Throws, naming the pid, when the directory's Redis already runs.
 */
export function acquireRedisLock(file: string, dataDir: string, address: string): RedisLock {
  const lock: RedisLock = {
    redisPid: 0,
    supervisorPid: process.pid,
    address,
    startedAt: Date.now(),
  };
  takeLockFile(file, lock, LockFile, held, (other) => {
    const who =
      other.redisPid > 0
        ? `redis-server pid ${other.redisPid}${other.address ? ` at ${other.address}` : ''}`
        : `being started by pid ${other.supervisorPid}`;
    return new Error(
      `the private Redis of ${dataDir} is already running (${who}; started by chat-server pid ` +
        `${other.supervisorPid}). Stop that cluster first (or kill ${other.redisPid || other.supervisorPid}), ` +
        `or use another --state-dir`,
    );
  });
  return lock;
}

/** Records the started redis-server's pid in a lock this process holds. */
export function recordRedisPid(file: string, lock: RedisLock, redisPid: number): void {
  lock.redisPid = redisPid;
  writeFileSync(file, `${JSON.stringify(lock)}\n`, { mode: 0o600 });
}

/** Removes the lock if it is still the one for `redisPid` (never another start's). */
export function releaseRedisLock(file: string, redisPid: number): void {
  const now = readLock(file);
  if (now && now.redisPid !== redisPid) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
