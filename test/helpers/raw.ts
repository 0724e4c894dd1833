import http from 'node:http';
import { login } from '../../src/client/api.js';
import { io, type Socket } from 'socket.io-client';
import {
  ADMIN_NAMESPACE,
  type ClientToServerEvents,
  type Result,
  type ServerToClientEvents,
} from '../../src/protocol/index.js';

export type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A bare socket.io-client connection, for driving the wire protocol directly. */
export function rawSocket(url: string, auth: Record<string, unknown>): RawSocket {
  return io(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
}

/** Resolves on connect, rejects with the connect_error (its `data.code` included). */
export function connected(socket: RawSocket): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) =>
      reject(Object.assign(new Error(err.message), { code: err.data?.code })),
    );
  });
}

/** The `connect_error` code a handshake is refused with (or 'connected'). */
export async function handshakeOutcome(
  url: string,
  auth: Record<string, unknown>,
): Promise<string> {
  const s = rawSocket(url, auth);
  try {
    await connected(s);
    return 'connected';
  } catch (err) {
    return String((err as { code?: string }).code);
  } finally {
    s.close();
  }
}

/**
 * How a handshake on the admin namespace ends: 'connected', or the code it is refused with
 * (its message when it has none). `localAddress`: made from that loopback address.
 */
export function adminHandshake(
  url: string,
  auth: Record<string, unknown>,
  localAddress?: string,
): Promise<string> {
  return new Promise((resolve) => {
    const s = io(`${url}${ADMIN_NAMESPACE}`, {
      transports: ['websocket'],
      auth,
      reconnection: false,
      forceNew: true,
      // engine.io-client hands `agent` to `ws`; its type says what a browser build takes.
      ...(localAddress ? { agent: new http.Agent({ localAddress }) as unknown as string } : {}),
    });
    s.once('connect', () => {
      s.close();
      resolve('connected');
    });
    s.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      s.close();
      resolve(err.data?.code ?? err.message);
    });
  });
}

/** Emits any event (well-formed or not) and resolves with its ack. */
export function ask<T = unknown>(
  s: RawSocket,
  event: string,
  payload: unknown,
): Promise<Result<T>> {
  return new Promise((resolve) => {
    const emit = s.emit.bind(s) as (ev: string, ...a: unknown[]) => void;
    emit(event, payload, (res: Result<T>) => resolve(res));
  });
}

/** The data of a successful ack; throws with the error's code and message otherwise. */
export async function ok<T>(p: Promise<Result<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.data;
}

/** An ack's outcome in one word: `ok` or its error code. */
export const code = (r: Result<unknown>): string => (r.ok ? 'ok' : r.error.code);

/** A test file's bare sockets: opened connected, closed together (e.g. in `afterAll`). */
export function socketPool(): {
  open: (url: string, token: string) => Promise<RawSocket>;
  /** Logs `name` in at `url` (password `password-1`) and opens a socket for it. */
  user: (url: string, name: string) => Promise<{ name: string; token: string; s: RawSocket }>;
  closeAll: () => void;
} {
  const sockets: RawSocket[] = [];
  return {
    open: async (url, token) => {
      const s = await connected(rawSocket(url, { token }));
      sockets.push(s);
      return s;
    },
    user: async (url, name) => {
      const { token } = await login(url, name, 'password-1');
      const s = await connected(rawSocket(url, { token }));
      sockets.push(s);
      return { name, token, s };
    },
    closeAll: () => {
      for (const s of sockets.splice(0)) s.close();
    },
  };
}
