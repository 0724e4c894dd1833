import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
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
  // A process killed whose parent has not reaped it yet still answers signals: a zombie
  // (state Z in /proc) runs nothing.
  if (isZombie(pid)) return false;
  if (!program) return true;
  try {
    // A pid reused by an unrelated process after a reboot or a long time is not a Redis.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(program);
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
}

/** Whether /proc says `pid` is a zombie (false where there is no /proc). */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ...`: comm may hold spaces and parentheses, the state follows the last.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
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

/** A lock file's text as `schema` says; undefined (stale) when not one. */
export function parseLock<T>(raw: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** How old a breaker (see {@link takeLockFile}) is when the start that made it has died. */
const BREAKER_STALE_MS = 10_000;

const readRaw = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
};

const unlinkIfThere = (file: string): void => {
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
};

/** Waits `ms` without an event loop turn (a start takes its locks before it serves anything). */
const pause = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Removes `file` if it still holds `expected`, and nothing else: a read then an unlink would
 * remove what another process put there between the two. The file is renamed aside first (one
 * rename of it succeeds), and what was renamed is read: the one expected goes; another (put
 * there since it was read) is linked back. What is left open: between the rename and the link
 * back the path is free, and a third start that takes it then keeps it, the one put aside is
 * dropped (its start believes it holds the lock). Node has no `flock`; three starts at once,
 * inside microseconds, with a stale lock to break, is what it takes.
 * True when it removed the expected file.
 */
export function removeIfStill(file: string, expected: string): boolean {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.gone`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (readRaw(aside) === expected) {
    unlinkIfThere(aside);
    return true;
  }
  try {
    linkSync(aside, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  unlinkIfThere(aside);
  return false;
}

/**
 * Removes the lock file if it still holds `raw` (the stale lock read), one start at a time:
 * two starts that both read the same stale lock must not both remove "it", or the second
 * removes the lock the first has just taken. The one that creates `<file>.breaking` (naming
 * itself: pid and a nonce) removes; the other looks again. A breaker left by a start that died
 * goes after {@link BREAKER_STALE_MS}, and only that one: two starts that find it stale at once
 * must not remove, the second, the breaker the first has just made.
 */
function breakStale(file: string, raw: string): void {
  const breaker = `${file}.breaking`;
  const mine = `${process.pid} ${randomBytes(6).toString('hex')}\n`;
  try {
    writeFileSync(breaker, mine, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    let age = 0;
    let left: string | undefined;
    try {
      // Its text first, then its age: one made after the read is younger than it, not judged
      // by an older one's age (and the removal checks the text).
      left = readRaw(breaker);
      age = Date.now() - statSync(breaker).mtimeMs;
    } catch {
      return; // gone already: look again
    }
    if (age > BREAKER_STALE_MS && left !== undefined) removeIfStill(breaker, left);
    else pause(10);
    return;
  }
  try {
    removeIfStill(file, raw);
  } finally {
    removeIfStill(breaker, mine);
  }
}

/**
 * Creates a lock file holding `lock` exclusively (two processes cannot both win), replacing
 * a stale one: one read back (`schema`) whose owner `held` says still runs is refused with
 * `refusal`'s error. The file appears whole (written aside, then linked into place): a start
 * that reads it as another creates it never sees it half-written and takes it for stale.
 * `beforeBreak` runs between finding a lock stale and removing it (tests put a rival there).
 */
export function takeLockFile<T>(
  file: string,
  lock: unknown,
  schema: z.ZodType<T>,
  held: (other: T) => boolean,
  refusal: (other: T) => Error,
  beforeBreak?: () => void,
): void {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, `${JSON.stringify(lock)}\n`, { flag: 'wx', mode: 0o600 });
  try {
    // Long enough to outlast a breaker left by a start that died (it goes after its time).
    const deadline = Date.now() + BREAKER_STALE_MS + 2000;
    while (Date.now() < deadline) {
      try {
        linkSync(aside, file);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const raw = readRaw(file);
      if (raw === undefined) continue; // removed meanwhile: try again
      const other = parseLock(raw, schema);
      if (other && held(other)) throw refusal(other);
      beforeBreak?.();
      breakStale(file, raw); // stale: its owner is gone
    }
    throw new Error(
      `could not take the lock ${file}: another start keeps replacing it (or left ${file}.breaking; remove it if no chat-server start runs)`,
    );
  } finally {
    unlinkIfThere(aside);
  }
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
  // Replaced whole (written aside, renamed over it): never read half-written, so never stale.
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, `${JSON.stringify(lock)}\n`, { flag: 'wx', mode: 0o600 });
  renameSync(aside, file);
}

/** Removes the lock if it is still the one for `redisPid` (never another start's). */
export function releaseRedisLock(file: string, redisPid: number): void {
  const raw = readRaw(file);
  if (raw === undefined) return;
  const now = parseLock(raw, LockFile);
  if (now && now.redisPid !== redisPid) return;
  removeIfStill(file, raw);
}
