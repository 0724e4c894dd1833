import { Cluster } from 'ioredis';
import { ErrorCode, SessionEndReason, type Ban } from '../../protocol/index.js';
import { banMessage, parseBan } from './bans.js';
import type { Keys } from '../redis/keys.js';
import type { Logger } from '../ops/logger.js';
import type { RedisConn } from '../redis/clients.js';
import {
  defineSessionCommands,
  ENDED_SESSION_KEEP_SEC,
  type ResolveReply,
} from './session-scripts.js';
import { newToken, parseToken, sessionRecord, type ParsedToken } from './session-tokens.js';

export { hashToken, parseToken } from './session-tokens.js';

export interface Session {
  user: string;
  hash: string;
  /** When the account was made. */
  createdAt: number;
}

/**
 * What a token amounts to: a live session, or why not. `invalid`: no such session (never
 * was, expired, ended by a ban since lifted, or ended long enough ago to be forgotten);
 * `ended`: a logout, a kick or a deletion ended it lately (`reason`); `orphan`: its account is
 * gone or was registered anew since; `banned`: the account is banned. A live session also says
 * how long it must still wait out a flood penalty before it may connect (`penaltyMs`, 0: it may).
 */
export type Resolved =
  | { ok: true; session: Session; penaltyMs: number }
  | { ok: false; why: 'invalid' }
  | { ok: false; why: 'ended'; user: string; reason: EndedFor }
  | { ok: false; why: 'orphan'; user: string }
  | { ok: false; why: 'banned'; user: string; ban: Ban };

/** A token that amounts to no live session, and why. */
export type Refused = Exclude<Resolved, { ok: true }>;

/**
 * What an ended session's mark can say of itself. A ban's mark says nothing more once the ban
 * is lifted (while it stands, the ban itself answers, with until when and why): that session
 * is merely over, and a new login is what its user needs.
 */
type EndedFor =
  | typeof SessionEndReason.LoggedOut
  | typeof SessionEndReason.Kicked
  | typeof SessionEndReason.AccountDeleted;

/** What a session ended for `reason` says to its user. */
function endedMessage(user: string, reason: EndedFor): string {
  switch (reason) {
    case SessionEndReason.LoggedOut:
      return 'this session was logged out; log in again';
    case SessionEndReason.Kicked:
      return 'an operator ended this session; log in again';
    case SessionEndReason.AccountDeleted:
      return `the account "${user}" no longer exists`;
  }
}

/**
 * Why a token is refused, said so that its user knows what to do; `ended`: the session is
 * over, and why (a logout, a kick, a deletion, a ban), which a live socket is told
 * (`session:ended`) and a handshake passes on (ConnectRefusal). Absent for a token merely
 * unknown (expired, never was, vanished from Redis): the user logs in again.
 */
export function refusal(r: Refused): {
  code: ErrorCode;
  message: string;
  ended?: SessionEndReason;
} {
  switch (r.why) {
    case 'banned':
      return {
        code: ErrorCode.Banned,
        message: banMessage(r.user, r.ban),
        ended: SessionEndReason.Banned,
      };
    case 'orphan':
      return {
        code: ErrorCode.Unauthorized,
        message: endedMessage(r.user, SessionEndReason.AccountDeleted),
        ended: SessionEndReason.AccountDeleted,
      };
    case 'ended':
      return {
        code: ErrorCode.Unauthorized,
        message: endedMessage(r.user, r.reason),
        ended: r.reason,
      };
    default:
      return {
        code: ErrorCode.Unauthorized,
        message: 'session is invalid, expired or ended; log in again',
      };
  }
}

/** A reason stored in an ended session's mark that says why (a mark is data from Redis). */
const ENDED_FOR: ReadonlySet<string> = new Set([
  SessionEndReason.LoggedOut,
  SessionEndReason.Kicked,
  SessionEndReason.AccountDeleted,
]);
function isEndedFor(s: string): s is EndedFor {
  return ENDED_FOR.has(s);
}

/**
 * Sessions checked in one script call on a single Redis: a call of 100 holds Redis about a
 * millisecond, and saves most of what a call costs both sides beyond its session's reads.
 */
export const CHECK_SESSIONS_PER_CALL = 100;

/** A session's keys as the check script takes them: session, account, ban, seen, index. */
type CheckKeys = [string, string, string, string, string];

/**
 * One line of the check script's answer (see CHECK_SCRIPT): a refusal as the resolve script
 * says it, or why the session could not be judged (`error`).
 */
function checkReply(line: string): Exclude<ResolveReply, ['ok', ...unknown[]]> | ['error', string] {
  const colon = line.indexOf(':');
  const kind = colon < 0 ? line : line.slice(0, colon);
  const rest = colon < 0 ? '' : line.slice(colon + 1);
  if (kind === 'banned' || kind === 'ended' || kind === 'error') return [kind, rest];
  if (kind === 'gone' || kind === 'orphan') return [kind];
  return ['error', `an answer the server does not know: ${line.slice(0, 80)}`];
}

/** What a sweep's check found (see {@link Sessions.check}). */
export interface SessionCheck {
  /** Sessions that are no longer good, by hash, and why. */
  bad: Map<string, Refused>;
  /**
   * Sessions that could not be judged: a key of theirs holds what the server did not write
   * (say, an account record edited by hand). They are left as they are; the others are not
   * held up by them.
   */
  unreadable: { user: string; hash: string; error: string }[];
}

/** What the session script's refusal means for the session of `user`. */
function refusedAs(user: string, reply: Exclude<ResolveReply, ['ok', ...unknown[]]>): Refused {
  if (reply[0] === 'banned') return { ok: false, why: 'banned', user, ban: parseBan(reply[1])! };
  if (reply[0] === 'orphan') return { ok: false, why: 'orphan', user };
  if (reply[0] === 'ended' && isEndedFor(reply[1]))
    return { ok: false, why: 'ended', user, reason: reply[1] };
  return { ok: false, why: 'invalid' };
}

/** What `create` made: a token, or why the account has none. */
export type Created =
  | { ok: true; token: string }
  | { ok: false; why: 'orphan' }
  | { ok: false; why: 'banned'; ban: Ban };

export interface SessionCacheOptions {
  /**
   * A session's expiry (and its user's index) is pushed back at most this often: a handshake
   * renews it only once this much of the TTL has run down. 0 renews on every use.
   */
  renewEveryMs: number;
  /** How long this instance trusts a session it has read, without asking Redis. 0: no cache. */
  cacheMs: number;
  /** Most sessions the cache holds (the oldest are dropped first). */
  cacheMax: number;
}

interface CachedSession {
  user: string;
  createdAt: number;
  /** Trusted until then: never past the key's own expiry in Redis. */
  until: number;
  /** The session's flood penalty, as read with it, runs until then (0: none). */
  blockedUntil: number;
}

/** A session hash as it travels on the revocation channel (sha256, hex). */
const HASH = /^[0-9a-f]{64}$/;

/**
 * Session tokens (`<user>.<256 random bits>`, see session-tokens.ts); a sliding expiry,
 * renewed on use. A session belongs to one incarnation of its account: the account, its ban,
 * the session and its flood penalty share the user's slot, and one script checks them
 * together, so a handshake costs one command, and a deleted, re-registered or banned account
 * refuses its sessions.
 *
 * Every instance caches the sessions it validated, with the flood penalty read with them (a
 * handshake then costs no Redis round trip). A revocation (logout, kick, ban, deletion, a
 * session found gone) or a new flood penalty is published on one sharded channel that every
 * instance subscribes to; each drops the named sessions at once.
 * The cache is used only while that subscription stands: when it is lost, the cache is emptied
 * and every handshake asks Redis until it is back, so a missed revocation cannot be trusted
 * past it. A session or account deleted behind the server's back (a FLUSHALL, a DEL) is
 * trusted at most until its entry times out, or until the session watch finds it gone and
 * revokes it everywhere.
 */
export class Sessions {
  private readonly cache = new Map<string, CachedSession>();
  /** Whether revocations are being heard (only then is the cache read or filled). */
  private listening = false;
  /** Bumped by every revocation heard: a read in flight across one is not cached. */
  private revocations = 0;
  private stopped = false;
  private readonly opts: SessionCacheOptions & { ttlSec: number };
  /** Called when revocations are heard again after the subscription was lost. */
  onHeardAgain: (() => void) | undefined;

  /** `ttlSec`: the sliding lifetime of a session in Redis. */
  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
    ttlSec: number,
    opts: Partial<SessionCacheOptions> = {},
  ) {
    this.opts = { renewEveryMs: 5 * 60_000, cacheMs: 60_000, cacheMax: 200_000, ...opts, ttlSec };
    defineSessionCommands(redis);
  }

  /**
   * A new session of `user`, if the account is still incarnation `inc` (the one whose
   * password was checked) and is not banned; checked and written in one step.
   */
  async create(user: string, inc: string): Promise<Created> {
    const { ttlSec } = this.opts;
    const { token, hash } = newToken(user);
    const k = this.keys;
    const now = Date.now();
    const reply = await this.redis.chatSessionCreate(
      k.user(user),
      k.userBan(user),
      k.userSessions(user),
      k.session(user, hash),
      k.userSeen(user),
      inc,
      sessionRecord(user, inc, now),
      ttlSec,
      hash,
      now,
      k.sessionPrefix(user),
    );
    if (reply[0] === 'ok') return { ok: true, token };
    if (reply[0] === 'banned') return { ok: false, why: 'banned', ban: parseBan(reply[1])! };
    return { ok: false, why: 'orphan' };
  }

  /**
   * What a token amounts to (see {@link Resolved}). Renews the session's expiry and its
   * user's index once the TTL has run down by `renewEveryMs`. `fresh` asks Redis even when
   * the cache trusts the session (an account's own view of itself, `/api/me`).
   */
  async resolve(token: string | ParsedToken, opts: { fresh?: boolean } = {}): Promise<Resolved> {
    const parsed = typeof token === 'string' ? parseToken(token) : token;
    if (!parsed) return { ok: false, why: 'invalid' };
    const { user, hash } = parsed;
    const now = Date.now();
    if (this.listening && !opts.fresh) {
      const hit = this.cache.get(hash);
      if (hit && hit.until > now) {
        const session = { user: hit.user, hash, createdAt: hit.createdAt };
        return { ok: true, session, penaltyMs: Math.max(0, hit.blockedUntil - now) };
      }
      if (hit) this.cache.delete(hash);
    }
    const seen = this.revocations;
    const reply = await this.run(user, hash, now);
    if (reply[0] !== 'ok') return this.refused(user, hash, reply);
    const [, createdAt, pttl, penaltyMs] = reply;
    const { cacheMs } = this.opts;
    if (this.listening && cacheMs > 0 && this.revocations === seen) {
      // Timed from the answer, so the entry never ends a penalty before Redis does; one
      // stored after this read is announced (forget), which drops the entry.
      const blockedUntil = penaltyMs > 0 ? Date.now() + penaltyMs : 0;
      this.remember(hash, { user, createdAt, until: now + Math.min(cacheMs, pttl), blockedUntil });
    }
    return { ok: true, session: { user, hash, createdAt }, penaltyMs };
  }

  private run(user: string, hash: string, now: number) {
    const k = this.keys;
    return this.redis.chatSessionResolve(
      k.session(user, hash),
      k.user(user),
      k.userBan(user),
      k.userSeen(user),
      k.userSessions(user),
      k.floodBlock(user, hash),
      this.opts.ttlSec,
      this.opts.renewEveryMs,
      now,
      hash,
    );
  }

  private async refused(
    user: string,
    hash: string,
    reply: Exclude<ResolveReply, ['ok', ...unknown[]]>,
  ): Promise<Resolved> {
    // The script deleted an orphan; instances that still trust it from their cache drop it.
    if (reply[0] === 'orphan') await this.forget([hash]).catch(() => undefined);
    return refusedAs(user, reply);
  }

  private remember(hash: string, entry: CachedSession): void {
    this.cache.delete(hash);
    this.cache.set(hash, entry);
    // A Map iterates in insertion order: the first entries are the oldest.
    while (this.cache.size > this.opts.cacheMax) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  /** Sessions in this instance's cache (for tests and metrics). */
  cached(): number {
    return this.cache.size;
  }

  /**
   * Checks sessions of live sockets the way a handshake does, without renewing them: expiry
   * still slides on use (a handshake), never because a socket stays open. Stamps their
   * accounts as seen. Many sessions go in one script call on a single Redis
   * ({@link CHECK_SESSIONS_PER_CALL}); on Redis Cluster, where one call's keys must share a
   * slot, one each (each in its user's slot). Answers what is wrong with each session that is
   * no longer good (absent: it is), and which could not be judged.
   */
  async check(sessions: { user: string; hash: string }[]): Promise<SessionCheck> {
    const now = Date.now();
    const k = this.keys;
    const keysOf = ({ user, hash }: { user: string; hash: string }): CheckKeys => [
      k.session(user, hash),
      k.user(user),
      k.userBan(user),
      k.userSeen(user),
      k.userSessions(user),
    ];
    const calls: Promise<string>[] = [];
    if (this.redis instanceof Cluster) {
      for (const s of sessions)
        calls.push(this.redis.chatSessionCheckOne(...keysOf(s), now, s.hash));
    } else {
      for (let i = 0; i < sessions.length; i += CHECK_SESSIONS_PER_CALL) {
        const some = sessions.slice(i, i + CHECK_SESSIONS_PER_CALL);
        const keys = some.flatMap(keysOf);
        const hashes = some.map((s) => s.hash);
        calls.push(this.redis.chatSessionCheck(keys.length, ...keys, now, ...hashes));
      }
    }
    const answers = (await Promise.all(calls)).flatMap((a) => a.split('\n'));
    if (answers.length !== sessions.length)
      throw new Error(`session check: ${answers.length} answers for ${sessions.length} sessions`);
    const found: SessionCheck = { bad: new Map(), unreadable: [] };
    sessions.forEach(({ user, hash }, i) => {
      const answer = answers[i]!;
      if (answer === 'ok') return;
      const reply = checkReply(answer);
      if (reply[0] === 'error') found.unreadable.push({ user, hash, error: reply[1] });
      else found.bad.set(hash, refusedAs(user, reply));
    });
    return found;
  }

  /**
   * Ends a session for `reason`; for a while it is remembered as ended, and why (see
   * ENDED_SESSION_KEEP_SEC), so every path that finds it ended can say why.
   */
  async revoke(session: Session, reason: SessionEndReason): Promise<void> {
    this.cache.delete(session.hash);
    // The session and its index entry share the user's slot: one step.
    await this.redis.chatSessionRevoke(
      this.keys.session(session.user, session.hash),
      this.keys.userSessions(session.user),
      session.hash,
      reason,
      ENDED_SESSION_KEEP_SEC,
    );
    await this.announce([session.hash]);
  }

  /** Ends every session of a user for `reason` (as {@link revoke}); returns their hashes. */
  async revokeAll(user: string, reason: SessionEndReason): Promise<string[]> {
    const hashes = await this.redis.chatSessionRevokeAll(
      this.keys.userSessions(user),
      this.keys.sessionPrefix(user),
      reason,
      ENDED_SESSION_KEEP_SEC,
    );
    await this.forget(hashes);
    return hashes;
  }

  /**
   * Drops these sessions from every instance's cache (here at once, elsewhere when the
   * announcement arrives), so each reads them from Redis at its next handshake: they are gone
   * (ended by an account change, or found missing in Redis, say after a FLUSHALL), or a flood
   * penalty was stored for them, which a cached entry would not show.
   */
  async forget(hashes: string[]): Promise<void> {
    for (const h of hashes) this.cache.delete(h);
    await this.announce(hashes);
  }

  /** Publishes revoked hashes, in bounded messages, once Redis has dropped the sessions. */
  private async announce(hashes: string[]): Promise<void> {
    for (let i = 0; i < hashes.length; i += 500) {
      const chunk = hashes.slice(i, i + 500).join(',');
      await this.redis.spublish(this.keys.sessionsRevoked(), chunk);
    }
  }

  /**
   * Hears revocations on `sub` (a subscriber connection that may carry other sharded
   * channels too). The cache is used only while this subscription is known to stand.
   */
  async listen(sub: RedisConn, log: Logger): Promise<void> {
    const channel = this.keys.sessionsRevoked();
    sub.on('smessage', (ch: string, raw: string) => {
      if (ch !== channel) return;
      this.revocations++;
      for (const h of raw.split(',')) if (HASH.test(h)) this.cache.delete(h);
    });
    let subscribing = false;
    let retry: NodeJS.Timeout | undefined;
    const back = (): void => {
      if (this.listening || subscribing || this.stopped) return;
      subscribing = true;
      // Subscribing again is harmless (ioredis may have done it already) and says when it holds.
      sub.ssubscribe(channel).then(
        () => {
          subscribing = false;
          if (sub.status === 'ready' && !this.stopped) {
            this.listening = true;
            this.onHeardAgain?.();
          } else later();
        },
        (err: unknown) => {
          subscribing = false;
          log.debug({ err: (err as Error).message }, 'session revocations not heard yet');
          later();
        },
      );
    };
    const later = (): void => {
      if (retry || this.stopped) return;
      retry = setTimeout(() => {
        retry = undefined;
        back();
      }, 1000);
      retry.unref();
    };
    const lost = (): void => {
      this.listening = false;
      this.revocations++;
      this.cache.clear();
      later();
    };
    if (sub instanceof Cluster) {
      sub.on('-node', lost);
      sub.on('-subscriber', lost);
      sub.on('subscribersReady', back);
    }
    sub.on('close', lost);
    sub.on('ready', back);
    await sub.ssubscribe(channel);
    this.listening = true;
  }

  /** Stops trusting the cache (the instance is closing). */
  stop(): void {
    this.stopped = true;
    this.listening = false;
    this.cache.clear();
  }
}
