import type { Server as HttpServer } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { ChatServer } from '../transport/io-types.js';
import type { InstanceMessage, SupervisorMessage } from './ipc.js';

/** Tells the local supervisor, if this instance runs under one, what happened. */
export function toParent(msg: InstanceMessage): void {
  if (process.send && process.connected) process.send(msg);
}

/**
 * Serves the client connections the local supervisor hands over (with the bytes it already
 * read). Returns how to stop.
 */
export function acceptHandoffs(http: HttpServer, supervised: boolean): () => void {
  const onParentMessage = (msg: SupervisorMessage, handle?: unknown): void => {
    if (msg?.type === 'conn' && handle) {
      const sock = handle as NetSocket;
      http.emit('connection', sock);
      sock.emit('data', Buffer.from(msg.head, 'base64'));
      sock.resume();
    }
  };
  if (supervised) process.on('message', onParentMessage);
  return () => void process.off('message', onParentMessage);
}

/** Reports this instance's connection count to the supervisor once a second. */
export function reportLoad(io: ChatServer): () => void {
  const timer = setInterval(
    () => toParent({ type: 'load', connections: io.of('/').sockets.size }),
    1000,
  );
  timer.unref();
  return () => clearInterval(timer);
}
