import { hash, randomBytes } from 'node:crypto';
import { NAME_PATTERN } from '../../protocol/index.js';

/** Redis keeps only this hash of a token, so a leaked dump yields no usable session. */
export function hashToken(token: string): string {
  // One-shot: no Hash object per handshake.
  return hash('sha256', token, 'hex');
}

/** The secret half of a token: 256 random bits, base64url. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;

/**
 * A token is `<user>.<secret>`. It names its user so that the server finds the session in the
 * user's own Redis slot, beside the account and its ban: one script reads all three, also on
 * Redis Cluster. The name is no secret; the 256 random bits are. `.` appears in neither half.
 */
export function newToken(user: string): { token: string; hash: string } {
  const token = `${user}.${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** A token shaped like one: the user it names and its hash. */
export interface ParsedToken {
  user: string;
  hash: string;
}

/** The user a token names and the token's hash; null for anything not shaped like a token. */
export function parseToken(token: unknown): ParsedToken | null {
  if (typeof token !== 'string' || token.length > 100) return null;
  const dot = token.indexOf('.');
  if (dot < 1) return null;
  const user = token.slice(0, dot);
  if (!NAME_PATTERN.test(user) || !SECRET.test(token.slice(dot + 1))) return null;
  return { user, hash: hashToken(token) };
}

/** A session as Redis keeps it: its user, when it was made, and the account's incarnation. */
export interface StoredSession {
  user: string;
  createdAt: number;
  /** The incarnation of the account it belongs to: another incarnation refuses it. */
  inc: string;
}

export function sessionRecord(user: string, inc: string, now = Date.now()): string {
  const s: StoredSession = { user, createdAt: now, inc };
  return JSON.stringify(s);
}
