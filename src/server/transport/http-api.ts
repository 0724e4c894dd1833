import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ChatError,
  ErrorCode,
  HttpPath,
  LOADTEST_NAME_PATTERN,
  LoginRequest,
  isReservedName,
  SessionEndReason,
  type LoginResponse,
  type MeResponse,
} from '../../protocol/index.js';
import { banMessage } from '../auth/bans.js';
import { clientAddress } from './client-address.js';
import { BAD_CREDENTIALS } from '../auth/accounts.js';
import { userRoomOf } from '../rooms/room-names.js';
import type { InstanceContext } from '../context.js';
import { LoginLimits, LoginRefused } from '../auth/login-limits.js';
import { refusal, type Session } from '../auth/sessions.js';
import { describeZodError, toErrorBody } from './boundary.js';

const MAX_BODY_BYTES = 16 * 1024;
/** How much of a refused body is read and dropped before its connection is cut off. */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The request's body never came whole: the client went away mid-body, or the server's own
 * request timeout ended it (Node answered 408). Ordinary, nobody to answer: not an error.
 */
class BodyAborted extends Error {}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/**
 * A request's body, at most MAX_BODY_BYTES of it (413 past that). A refused body is still read
 * to its end and dropped while the 413 goes out: a connection closed on unread data is reset
 * by TCP, and the reset can reach the client before the answer does. One that goes on past
 * DISCARD_MAX_BYTES is cut off.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const drop = (c: Buffer): void => {
      size += c.length;
      if (size > DISCARD_MAX_BYTES) req.destroy();
    };
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        req.removeAllListeners('data');
        req.on('data', drop);
        reject(
          new HttpError(413, ErrorCode.BadRequest, `body larger than ${MAX_BODY_BYTES} bytes`),
        );
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (err) => reject(new BodyAborted(err.message)));
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, ErrorCode.BadRequest, 'body must be JSON');
  }
}

/**
 * Every POST that carries something takes JSON and says so. A browser sends `text/plain` or
 * form bodies across origins without asking first (no CORS preflight), so accepting them
 * would let any page log its visitor in as someone else (login CSRF); `application/json` it
 * cannot send unasked. A POST with nothing in it and no type (`POST /api/logout` with only
 * its Bearer header, which no page can set unasked either) has nothing to misread.
 */
function requireJson(req: IncomingMessage, body: Buffer): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === '' && body.length === 0) return;
  if (type !== 'application/json') {
    throw new HttpError(
      415,
      ErrorCode.BadRequest,
      `Content-Type must be application/json${type ? `, not ${type}` : ''}`,
    );
  }
}

function bearer(req: IncomingMessage): string {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m?.[1]) throw new HttpError(401, ErrorCode.Unauthorized, 'missing bearer token');
  return m[1];
}

async function login(
  ctx: InstanceContext,
  limits: LoginLimits,
  req: IncomingMessage,
  body: Buffer,
): Promise<LoginResponse> {
  const ip = clientAddress(req, ctx.cfg.trustProxy);
  await limits.attempt(ip);
  const parsed = LoginRequest.safeParse(parseJson(body));
  if (!parsed.success) {
    throw new HttpError(400, ErrorCode.BadRequest, describeZodError(parsed.error));
  }
  const { username, password, create } = parsed.data;
  const mode = create === undefined ? 'either' : create ? 'new' : 'existing';
  if (isReservedName(username)) {
    throw new HttpError(
      400,
      ErrorCode.BadRequest,
      `username: "${username}" is reserved (it names the server or its operators)`,
    );
  }
  // Load-test users are made (and removed) through the admin API only; a person's account
  // must never share their namespace.
  if (LOADTEST_NAME_PATTERN.test(username)) {
    throw new HttpError(
      400,
      ErrorCode.BadRequest,
      `username: "${username}" is reserved for load tests`,
    );
  }
  const attempt = await limits.begin(username, ip);
  try {
    const { user, inc, created, ended } = await ctx.accounts.login(username, password, mode);
    await attempt.succeeded();
    // Sessions an earlier account of this name left: no instance may trust them any more.
    if (ended.length > 0) await ctx.sessions.forget(ended);
    const made = await ctx.sessions.create(user.name, inc);
    if (!made.ok && made.why === 'banned') {
      // Said only to someone who knows the password.
      ctx.log.info({ user: user.name, ip }, 'login of a banned account refused');
      throw new HttpError(403, ErrorCode.Banned, banMessage(user.name, made.ban));
    }
    // The account was deleted or registered anew while its password was being checked.
    if (!made.ok) throw new ChatError(ErrorCode.Unauthorized, BAD_CREDENTIALS);
    ctx.log.info({ user: user.name, created, ip, delayedMs: attempt.delayedMs }, 'login');
    return { token: made.token, user, created };
  } catch (err) {
    if (err instanceof ChatError && err.code === ErrorCode.Unauthorized) {
      ctx.log.warn({ user: username, ip, delayedMs: attempt.delayedMs }, 'failed login');
      throw new HttpError(401, ErrorCode.Unauthorized, err.message);
    }
    // A lookup that found no account (or a name taken) stays counted as a failed attempt:
    // asking which names exist costs what guessing a password costs.
    if (err instanceof ChatError && err.code === ErrorCode.NoSuchUser) {
      throw new HttpError(404, err.code, err.message);
    }
    if (err instanceof ChatError && err.code === ErrorCode.NameTaken) {
      throw new HttpError(409, err.code, err.message);
    }
    throw err;
  }
}

/** The session behind the request's bearer token; 401 (403 for a ban) when there is none. */
async function sessionOf(
  ctx: InstanceContext,
  req: IncomingMessage,
  opts: { fresh?: boolean } = {},
): Promise<Session> {
  const resolved = await ctx.sessions.resolve(bearer(req), opts);
  if (resolved.ok) return resolved.session;
  const { code, message } = refusal(resolved);
  throw new HttpError(code === ErrorCode.Banned ? 403 : 401, code, message);
}

async function logout(ctx: InstanceContext, req: IncomingMessage): Promise<{ ok: true }> {
  const session = await sessionOf(ctx, req);
  await ctx.sessions.revoke(session, SessionEndReason.LoggedOut);
  // This session's sockets, on every instance: the user's sockets that carry its hash.
  const sockets = await ctx.io.in(userRoomOf(session.user)).fetchSockets();
  for (const s of sockets) {
    if (s.data.sessionHash !== session.hash) continue;
    s.emit('session:ended', { reason: SessionEndReason.LoggedOut });
    s.disconnect(true);
  }
  ctx.log.info({ user: session.user }, 'logout');
  return { ok: true };
}

/** Who the token belongs to, asked of Redis (not the cache): the account as it is now. */
async function me(ctx: InstanceContext, req: IncomingMessage): Promise<MeResponse> {
  const session = await sessionOf(ctx, req, { fresh: true });
  return {
    user: { name: session.user, createdAt: session.createdAt },
    instanceId: ctx.cfg.instanceId,
  };
}

/** Whether this instance should get traffic: not draining and Redis answering. */
export function isReady(ctx: InstanceContext): boolean {
  return !ctx.isDraining() && ctx.liveness.answering() && ctx.fanout.healthy();
}

/** A route: the request and, for a POST, its body (read and type-checked before). */
type Route = (ctx: InstanceContext, req: IncomingMessage, body: Buffer) => Promise<unknown>;

/** The HTTP side of an instance: the public API, health, readiness and metrics. */
export function createRequestHandler(
  ctx: InstanceContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { cfg } = ctx;
  const limits = new LoginLimits(ctx.redis.cmd, ctx.keys, {
    perIpPerMin: cfg.loginLimitPerIpPerMin,
    failuresPerNameAndIp: cfg.loginFailuresPerUser,
    failuresPerIp: cfg.loginFailuresPerIp,
    slowAfter: cfg.loginSlowAfter,
    maxDelayMs: cfg.loginMaxDelayMs,
  });
  const routes: Record<string, Route> = {
    [`POST ${HttpPath.Login}`]: (c, req, body) => login(c, limits, req, body),
    [`POST ${HttpPath.Logout}`]: logout,
    [`GET ${HttpPath.Me}`]: me,
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const headers = { 'x-chat-instance': ctx.cfg.instanceId };
    if (req.method === 'GET' && path === HttpPath.Healthz) {
      return send(res, 200, { ok: true, instanceId: ctx.cfg.instanceId }, headers);
    }
    if (req.method === 'GET' && path === HttpPath.Readyz) {
      const ready = isReady(ctx);
      return send(
        res,
        ready ? 200 : 503,
        {
          ready,
          instanceId: ctx.cfg.instanceId,
          draining: ctx.isDraining(),
          redis: ctx.liveness.describe(),
        },
        headers,
      );
    }
    if (req.method === 'GET' && path === HttpPath.Metrics) {
      ctx.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType, ...headers });
          res.end(text);
        },
        () => send(res, 500, { error: { code: 'internal', message: 'metrics failed' } }),
      );
      return;
    }
    const route = routes[`${req.method} ${path}`];
    if (!route) {
      return send(
        res,
        404,
        { error: { code: ErrorCode.NotFound, message: `no route ${req.method} ${path}` } },
        headers,
      );
    }
    const run = async (): Promise<unknown> => {
      const body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
      if (req.method === 'POST') requireJson(req, body);
      return route(ctx, req, body);
    };
    run().then(
      (body) => send(res, 200, body, headers),
      (err: unknown) => {
        if (err instanceof BodyAborted) {
          ctx.log.debug({ path, err: err.message }, 'request body cut short');
          res.destroy();
          return;
        }
        if (err instanceof LoginRefused) {
          return send(
            res,
            429,
            { error: { code: ErrorCode.RateLimited, message: err.message } },
            { ...headers, 'retry-after': String(err.retryAfterSec) },
          );
        }
        if (err instanceof HttpError) {
          return send(
            res,
            err.status,
            { error: { code: err.code, message: err.message } },
            headers,
          );
        }
        const body = toErrorBody(err, ctx.log, ctx.metrics);
        send(res, body.code === ErrorCode.Unavailable ? 503 : 500, { error: body }, headers);
      },
    );
  };
}
