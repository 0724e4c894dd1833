import { randomBytes } from 'node:crypto';

/** Bytes drawn from the system at once: one call (and one getpid) per pool, not per id. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let at = 0;

/**
 * `bytes` random bytes as base64url, taken from a pooled buffer that is refilled from
 * `crypto.randomBytes` when used up. Each id still has its own fresh random bytes; the pool
 * only spares one system call per id (a join, a connection) on hot paths.
 */
export function randomId(bytes: number): string {
  if (at + bytes > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, bytes));
    at = 0;
  }
  const id = pool.toString('base64url', at, at + bytes);
  at += bytes;
  return id;
}
