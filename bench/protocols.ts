import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import { checkSendAck } from './send-failures.js';
import { openWire } from './wire-conn.js';

/** The two servers the same generator drives: ours (the full protocol) and the plain baseline. */
export type Kind = 'ours' | 'plain';

/**
 * The client library a generator connection uses: socket.io-client (every section that
 * compares ours with plain), or the load tester's lean wire client (`WireSocket`: the same
 * packets on the wire, without the client library's Manager and per-socket timers), for the
 * 100k profile, where the generators' own CPU and memory decide how fast the run connects.
 */
export type Client = 'socket.io-client' | 'wire';

/** One generator connection, whatever it talks to and whatever client library it uses. */
export interface BenchConn {
  /** Open and accepted by the server (false once dropped or closed). */
  readonly connected: boolean;
  join(room: string): Promise<void>;
  send(room: string, text: string): void;
  /** Calls `fn` with the text of every chat message this connection receives. */
  onText(fn: (text: string) => void): void;
  /** Calls `fn` once if the connection drops (not when the bench closes it). */
  onDrop(fn: (reason: string) => void): void;
  close(): void;
}

const clientMsgId = (): string => randomBytes(9).toString('base64url');

/** Opens a connection and resolves once the server accepted the handshake. */
export function open(
  kind: Kind,
  url: string,
  token: string | undefined,
  localAddress?: string,
  client: Client = 'socket.io-client',
): Promise<BenchConn> {
  if (client === 'wire') {
    if (kind !== 'ours' || token === undefined) {
      throw new Error('the wire client speaks to ours only, with a session token');
    }
    return openWire(url, token);
  }
  const socket = io(url, {
    transports: ['websocket'],
    // The source address (127.0.0.x): each has its own ~28k ephemeral ports.
    ...(localAddress ? { localAddress } : {}),
    reconnection: false,
    forceNew: true,
    timeout: 20_000,
    ...(kind === 'ours' ? { auth: { token } } : {}),
  });
  // Socket.IO's typed emit is bypassed here on purpose: one generator speaks two event maps.
  const emit = (ev: string, ...args: unknown[]): void => void socket.emit(ev, ...args);
  const conn: BenchConn = {
    get connected() {
      return socket.connected;
    },
    onDrop: (fn) =>
      void socket.on('disconnect', (reason) => {
        // Closed by the bench itself: not a drop.
        if (reason !== 'io client disconnect') fn(reason);
      }),
    close: () => void socket.close(),
    ...(kind === 'ours'
      ? {
          join: (room: string) =>
            new Promise<void>((resolve, reject) =>
              emit(
                'room:join',
                { room, limit: 1 },
                (r: { ok: boolean; error?: { code: string; message: string } }) =>
                  r.ok
                    ? resolve()
                    : reject(new Error(`join refused: ${r.error?.code}: ${r.error?.message}`)),
              ),
            ),
          send: (room: string, text: string) =>
            emit('message:send', { room, text, clientMsgId: clientMsgId() }, checkSendAck),
          onText: (fn: (text: string) => void) => {
            socket.on('message:created', (m: { text: string }) => fn(m.text));
            socket.on('notice:created', (m: { text: string }) => fn(m.text));
          },
        }
      : {
          join: (room: string) =>
            new Promise<void>((resolve) => emit('join', room, () => resolve())),
          send: (room: string, text: string) => emit('message', room, text, () => undefined),
          onText: (fn: (text: string) => void) =>
            void socket.on('message', (m: { text: string }) => fn(m.text)),
        }),
  };
  return new Promise((resolve, reject) => {
    // socket.io-client bounds the transport's opening, not the namespace handshake after it:
    // a server that never answers that would hold this connection (and its lane) forever.
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('handshake not answered in 30 s'));
    }, 30_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(conn);
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
  });
}
