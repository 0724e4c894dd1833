import type { Socket } from 'socket.io';
import type { z } from 'zod';
import {
  ChatError,
  ErrorCode,
  fail,
  ok,
  type Ack,
  type ClientToServerEvents,
  type ErrorBody,
  type Result,
} from '../../protocol/index.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { isReplyError } from '../redis/scripts.js';

/** Payload type of an event. */
export type PayloadOf<Events, E extends keyof Events> = Events[E] extends (
  payload: infer P,
  ack: Ack<infer _T>,
) => void
  ? P
  : never;
/** The data type its ack carries on success. */
export type ResultOf<Events, E extends keyof Events> = Events[E] extends (
  payload: infer _P,
  ack: Ack<infer T>,
) => void
  ? T
  : never;

const REDIS_DOWN =
  /Stream isn't writeable|Connection is closed|Command timed out|did not answer within|MaxRetriesPerRequest|ECONNREFUSED|ECONNRESET|LOADING|READONLY|enableOfflineQueue|CLUSTERDOWN|ETIMEDOUT/;
/**
 * Of those, the errors of a command that may have reached Redis: it timed out waiting for the
 * answer, or the connection went while it was out (ioredis may even send it again). Redis can
 * still run it, late, so the client is not told that nothing was saved.
 */
const OUTCOME_UNKNOWN =
  /Command timed out|did not answer within|Connection is closed|ECONNRESET|ETIMEDOUT|MaxRetriesPerRequest/;

/** How often one kind of unexpected error is logged with its stack. */
const ERROR_LOG_EVERY_MS = 60_000;
/** When each unexpected error message was last logged in full (bounded: see `logUnexpected`). */
const lastLogged = new Map<string, number>();

/**
 * Logs an error nobody expected. Whatever a client sent reaches this only through a bug, so
 * one stack per kind is what an operator needs; a client repeating the request 20 times a
 * second must not flood the log, so repeats within a minute are only counted.
 */
function logUnexpected(err: unknown, log: Logger, message: string): void {
  // A Redis reply error is Redis refusing a command's arguments: the command and the reason
  // say everything; a stack into the client library says nothing more.
  const redisRefused = isReplyError(err);
  const now = Date.now();
  const last = lastLogged.get(message);
  if (last !== undefined && now - last < ERROR_LOG_EVERY_MS) {
    log.debug({ err: message }, 'unexpected error repeated');
    return;
  }
  if (lastLogged.size >= 1000) lastLogged.clear();
  lastLogged.set(message, now);
  if (redisRefused) log.warn({ err: message }, 'Redis refused a command');
  else log.error({ err }, 'unexpected error in handler');
}

/** Maps any thrown error to the body of a failed ack. Unknown errors are logged, not leaked. */
export function toErrorBody(err: unknown, log: Logger, metrics: Metrics): ErrorBody {
  if (err instanceof ChatError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  if (
    REDIS_DOWN.test(message) ||
    (err instanceof Error && err.name === 'MaxRetriesPerRequestError')
  ) {
    metrics.redisErrors.inc();
    const unknown =
      OUTCOME_UNKNOWN.test(message) ||
      (err instanceof Error && err.name === 'MaxRetriesPerRequestError');
    return {
      code: ErrorCode.Unavailable,
      message: unknown
        ? 'storage did not answer in time; this may still take effect: try again (a message sent again with the same clientMsgId is stored once)'
        : 'storage is unavailable right now; nothing was saved, try again',
    };
  }
  logUnexpected(err, log, message);
  return { code: ErrorCode.Internal, message: 'internal error' };
}

/** Describes a zod failure in one line: `room: must be 1-32 characters ...`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export interface BoundaryDeps {
  log: Logger;
  metrics: Metrics;
}

/**
 * Whether a payload is what JSON makes of an object: not a Buffer (Socket.IO decodes binary
 * attachments into one), an array or any other class's instance, whose own keys a schema
 * would list back to the sender as "unrecognized".
 */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Runs one inbound event through the boundary. The ack is the last argument when it is a
 * function, and the one payload comes before it: anything else is `bad_request`, answered
 * through that ack, as is a payload that is not an object or fails its schema. The
 * handler's result or error always reaches the ack. An event whose last argument is not a
 * function has no ack: it is counted and logged, never run (there is no way to answer it).
 */
function invoke<P, R>(
  event: string,
  args: unknown[],
  schema: z.ZodType<P>,
  fn: (payload: P) => Promise<R>,
  deps: BoundaryDeps,
): void {
  const ack = args[args.length - 1];
  if (typeof ack !== 'function') {
    deps.metrics.rejected.inc({ code: 'no_ack' });
    deps.log.debug({ event, args: args.length }, 'event without ack ignored');
    return;
  }
  const reply = ack as (r: Result<R>) => void;
  const refuse = (message: string): void => {
    deps.metrics.rejected.inc({ code: ErrorCode.BadRequest });
    reply(fail(ErrorCode.BadRequest, `${event}: ${message}`));
  };
  const payloads = args.length - 1;
  if (payloads > 1) {
    return refuse(`takes one payload and an ack, got ${payloads} arguments before the ack`);
  }
  const raw = args[0];
  if (payloads === 0 || !isPlainObject(raw)) return refuse('payload must be an object');
  const started = performance.now();
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return refuse(describeZodError(parsed.error));
  // A handler that throws before its first await is answered like one that rejects.
  new Promise<R>((resolve) => resolve(fn(parsed.data))).then(
    (data) => {
      deps.metrics.ackLatency.observe({ event }, (performance.now() - started) / 1000);
      reply(ok(data));
    },
    (err: unknown) => {
      const body = toErrorBody(err, deps.log, deps.metrics);
      deps.metrics.rejected.inc({ code: body.code });
      reply({ ok: false, error: body });
    },
  );
}

/** Registers one event handler (on a socket) behind the boundary; see {@link invoke}. */
export function handle<
  Events extends object = ClientToServerEvents,
  E extends keyof Events & string = keyof Events & string,
>(
  socket: Socket,
  event: E,
  schema: z.ZodType<PayloadOf<Events, E>>,
  fn: (payload: PayloadOf<Events, E>) => Promise<ResultOf<Events, E>>,
  deps: BoundaryDeps,
): void {
  const listener = (...args: unknown[]): void => invoke(event, args, schema, fn, deps);
  // The listener is typed at this boundary; Socket.IO's own overloads cannot express it.
  socket.on(event, listener as never);
}

/** One entry of a handler table: the payload schema and what to do with a valid payload. */
export interface TableEntry<S, C, Events, E extends keyof Events> {
  schema: z.ZodType<PayloadOf<Events, E>>;
  run: (socket: S, ctx: C, payload: PayloadOf<Events, E>) => Promise<ResultOf<Events, E>>;
}

/** A handler for every event of `Events`, built once and shared by every socket. */
export type HandlerTable<S, C, Events> = { [E in keyof Events]: TableEntry<S, C, Events, E> };

/**
 * Runs an inbound packet through a handler table. A table shared by all sockets, instead
 * of a listener closure per event per socket, keeps an idle connection small.
 * Returns false for an event the table does not know (the caller answers it).
 */
export function dispatch<S, C, Events extends object>(
  table: HandlerTable<S, C, Events>,
  socket: S,
  ctx: C,
  packet: unknown[],
  deps: BoundaryDeps,
): boolean {
  const [event, ...args] = packet;
  if (typeof event !== 'string' || !Object.hasOwn(table, event)) return false;
  const entry = table[event as keyof Events] as TableEntry<S, C, Events, keyof Events>;
  invoke(event, args, entry.schema, (p) => entry.run(socket, ctx, p), deps);
  return true;
}
