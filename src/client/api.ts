import {
  HttpPath,
  type HttpErrorBody,
  type LoginRequest,
  type LoginResponse,
  type MeResponse,
} from '../protocol/index.js';

/** An HTTP API call that failed, with the server's code (or `unreachable`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function call<T>(
  server: string,
  path: string,
  init: { method: string; body?: unknown; token?: string },
): Promise<T> {
  const url = new URL(path, server);
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: {
        'content-type': 'application/json',
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new ApiError(0, 'unreachable', `cannot reach ${url.origin}${cause ? ` (${cause})` : ''}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(
      res.status,
      'bad_response',
      `unexpected answer from ${url.origin} (HTTP ${res.status})`,
    );
  }
  if (!res.ok) {
    const e = (body as Partial<HttpErrorBody>).error;
    throw new ApiError(res.status, e?.code ?? 'error', e?.message ?? `HTTP ${res.status}`);
  }
  return body as T;
}

/**
 * Logs in. Without `create`, a new name is registered on first use (one step); `create: false`
 * only logs in (a name with no account fails with code `no_such_user`), `create: true` only
 * registers (`name_taken` if the name has an account).
 */
export function login(
  server: string,
  username: string,
  password: string,
  opts: { create?: boolean } = {},
): Promise<LoginResponse> {
  const body: LoginRequest = { username, password, ...opts };
  return call(server, HttpPath.Login, { method: 'POST', body });
}

/** Ends the session (and disconnects its live sockets everywhere). */
export function logout(server: string, token: string): Promise<{ ok: true }> {
  return call(server, HttpPath.Logout, { method: 'POST', token });
}

/** Who the token belongs to. */
export function me(server: string, token: string): Promise<MeResponse> {
  return call(server, HttpPath.Me, { method: 'GET', token });
}
