import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';

/** The two servers the same generator drives: ours (the full protocol) and the plain baseline. */
export type Kind = 'ours' | 'plain';

/** One generator connection, whatever it talks to. */
export interface BenchConn {
  socket: Socket;
  join(room: string): Promise<void>;
  send(room: string, text: string): void;
  /** Calls `fn` with the text of every chat message this connection receives. */
  onText(fn: (text: string) => void): void;
}

const clientMsgId = (): string => randomBytes(9).toString('base64url');

/** Opens a connection and resolves once the server accepted the handshake. */
export function open(
  kind: Kind,
  url: string,
  token: string | undefined,
  localAddress?: string,
): Promise<BenchConn> {
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
  const conn: BenchConn =
    kind === 'ours'
      ? {
          socket,
          join: (room) =>
            new Promise((resolve, reject) =>
              emit(
                'room:join',
                { room, limit: 1 },
                (r: { ok: boolean; error?: { code: string; message: string } }) =>
                  r.ok
                    ? resolve()
                    : reject(new Error(`join refused: ${r.error?.code}: ${r.error?.message}`)),
              ),
            ),
          send: (room, text) =>
            emit('message:send', { room, text, clientMsgId: clientMsgId() }, () => undefined),
          onText: (fn) => {
            socket.on('message:created', (m: { text: string }) => fn(m.text));
            socket.on('notice:created', (m: { text: string }) => fn(m.text));
          },
        }
      : {
          socket,
          join: (room) => new Promise((resolve) => emit('join', room, () => resolve())),
          send: (room, text) => emit('message', room, text, () => undefined),
          onText: (fn) => void socket.on('message', (m: { text: string }) => fn(m.text)),
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
