import type { Server as HttpServer } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { InstanceMessage, SupervisorMessage } from './ipc.js';

/** Tells the local supervisor, if this instance runs under one, what happened. */
export function toParent(msg: InstanceMessage): void {
  if (process.send && process.connected) process.send(msg);
}

/** What an instance knows of the connections handed to it. */
export interface Handoffs {
  /** Handed over since the instance started. */
  received: number;
  /** Of those, still open (a handshake in progress counts: it is load all the same). */
  open: number;
  stop(): void;
}

/**
 * Serves the client connections the local supervisor hands over (with the bytes it already
 * read), counting them for the load reports.
 */
export function acceptHandoffs(http: HttpServer, supervised: boolean): Handoffs {
  const h: Handoffs = {
    received: 0,
    open: 0,
    stop: () => void process.off('message', onParentMessage),
  };
  /**
   * The connections the supervisor handed over. It routed each by its first request; a client
   * that kept it open for the next (HTTP keep-alive: fetch, browsers) would send a long-polling
   * request of a session of another instance here ("Session ID unknown"). So an HTTP request on
   * one is answered with `Connection: close`: the next request comes on a new connection, and
   * is routed by what it says. (A WebSocket upgrade keeps its connection, which is its own.)
   */
  const handed = new WeakSet<NetSocket>();
  if (supervised) {
    http.prependListener('request', (req, res) => {
      if (handed.has(req.socket)) res.shouldKeepAlive = false;
    });
  }
  const onParentMessage = (msg: SupervisorMessage, handle?: unknown): void => {
    if (msg?.type === 'conn' && handle) {
      const sock = handle as NetSocket;
      handed.add(sock);
      h.received++;
      h.open++;
      sock.once('close', () => h.open--);
      http.emit('connection', sock);
      sock.emit('data', Buffer.from(msg.head, 'base64'));
      // An upgrade request hands the socket over (its flowing state is null then) to whoever
      // takes the upgrade, which reads it when it is ready: a socket made to flow before
      // that would drop what arrives meanwhile.
      if (sock.readableFlowing !== null) sock.resume();
    }
  };
  if (supervised) process.on('message', onParentMessage);
  return h;
}

/**
 * Reports this instance's load to the supervisor once a second: the connections it holds
 * open, not only the sockets that finished their handshake. Counting those alone, an
 * instance slow to finish handshakes (a burst, a herd) looked the least loaded and was handed
 * still more.
 */
export function reportLoad(handoffs: Handoffs): () => void {
  const timer = setInterval(
    () => toParent({ type: 'load', connections: handoffs.open, received: handoffs.received }),
    1000,
  );
  timer.unref();
  return () => clearInterval(timer);
}
