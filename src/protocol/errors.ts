import { z } from 'zod';

/**
 * Error codes carried in every failed ack and in `connect_error` data. The code, not the
 * message, is what programs act on; the message is for people.
 */
export const ErrorCode = {
  /** The payload failed validation; nothing was changed. */
  BadRequest: 'bad_request',
  /** No session, or the session is invalid, expired or revoked: log in again. */
  Unauthorized: 'unauthorized',
  /** Authenticated, but not allowed to do this. */
  Forbidden: 'forbidden',
  /**
   * The account is banned: neither logging in again nor reconnecting helps until the ban
   * ends (the message says until when, and why).
   */
  Banned: 'banned',
  /** The thing asked for does not exist. */
  NotFound: 'not_found',
  /** Login with `create: false`: the name has no account (nothing was created). */
  NoSuchUser: 'no_such_user',
  /** Login with `create: true`: the name has an account already (nothing was changed). */
  NameTaken: 'name_taken',
  /** The socket is not in the room it addressed. */
  NotMember: 'not_member',
  /** Too many requests; slow down and retry later. */
  RateLimited: 'rate_limited',
  /** A dependency (Redis) is unavailable; nothing was stored. Retry later. */
  Unavailable: 'unavailable',
  /** This instance is draining; reconnect to another one. */
  Draining: 'draining',
  /** The server failed in a way it did not expect. */
  Internal: 'internal',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error half of every ack. */
export const ErrorBody = z.object({ code: z.enum(ErrorCode), message: z.string() });
/** See {@link ErrorBody}. */
export type ErrorBody = z.infer<typeof ErrorBody>;

/** What every client-to-server event answers through its ack. */
export type Result<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/**
 * The schema of an ack's answer around `data`: `{ok:true,data}` or `{ok:false,error}` (see
 * {@link Result}).
 */
export function resultOf<T extends z.ZodType>(data: T) {
  return z.union([
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: ErrorBody }),
  ]);
}

/** The acknowledgement callback every client-to-server event takes. */
export type Ack<T> = (result: Result<T>) => void;

/** Builds a success result. */
export function ok<T>(data: T): Result<T> {
  return { ok: true, data };
}

/** Builds a failure result. */
export function fail<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

/** An error that knows its {@link ErrorCode}; handlers throw it and the boundary turns it into an ack. */
export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}

/**
 * Whether a client should reconnect after a `connect_error` with this code. `unauthorized`
 * and `forbidden` need a new login, `banned` the ban's end; everything else is worth
 * retrying (elsewhere).
 */
export function isRetryable(code: string | undefined): boolean {
  return (
    code !== ErrorCode.Unauthorized && code !== ErrorCode.Forbidden && code !== ErrorCode.Banned
  );
}

/** Why the server tells a client it is going away (`server:draining`). */
export const DrainReason = {
  /** An operator asked for a restart; the instance comes back. */
  Restart: 'restart',
  /** The instance is shutting down (SIGTERM). */
  Shutdown: 'shutdown',
  /** The instance lost Redis and cannot serve; clients should move. */
  RedisLost: 'redis_lost',
} as const;

/** One of the {@link DrainReason} values. */
export type DrainReason = (typeof DrainReason)[keyof typeof DrainReason];

/** Why the server ended a client's session (`session:ended`): the client must not reconnect. */
export const SessionEndReason = {
  /** The user logged out (possibly from another client). */
  LoggedOut: 'logged_out',
  /** An operator kicked the user. */
  Kicked: 'kicked',
  /** The socket kept flooding after being told to slow down. */
  Flood: 'flood',
  /** An operator banned the account (`session:ended` says until when, and why). */
  Banned: 'banned',
  /** The account was deleted (or its name registered anew): its sessions are over. */
  AccountDeleted: 'account_deleted',
} as const;

/** One of the {@link SessionEndReason} values. */
export type SessionEndReason = (typeof SessionEndReason)[keyof typeof SessionEndReason];

/**
 * The data of a `connect_error` the server sends when it refuses a handshake: the code and,
 * for a session that an account change or a logout ended, which (`ended`), so that a client
 * that missed its `session:ended` notice (its socket was cut before it arrived, or it was away)
 * still tells its user why. Parsed leniently: a field added by a newer server is dropped.
 */
export const ConnectRefusal = z.object({
  code: z.string(),
  ended: z.enum(SessionEndReason).optional(),
});
/** See {@link ConnectRefusal}. */
export type ConnectRefusal = z.infer<typeof ConnectRefusal>;
