import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { Server, Socket } from 'socket.io';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';

/** A refusal is logged at most this often (with the count since), not once per connection. */
const WARN_EVERY_MS = 10_000;

/**
 * Caps the connections one address holds before any of them has authenticated: TCP
 * connections still sending their headers, HTTP API calls, WebSockets that have not passed
 * the Socket.IO handshake. Past the cap a new connection from that address is closed at once,
 * so a thousand half-sent requests cost a thousand file descriptors nowhere. A connection
 * leaves the count when it closes or when a socket on it authenticates (any namespace);
 * authenticated connections are never capped here (the per-socket rate limits apply).
 *
 * It counts by the TCP peer. Behind a balancer (`CHAT_TRUST_PROXY`) every peer is the
 * balancer, so the guard is not installed there: the balancer caps per client instead.
 */
export class ConnectionGuard {
  private readonly perAddress = new Map<string, number>();
  private readonly pending = new Map<NetSocket, string>();
  /** Engine.IO sessions that authenticated: their long-polling requests are trusted too. */
  private readonly trustedSids = new Set<string>();
  private refusedSinceWarn = 0;
  private lastWarnAt = 0;
  /**
   * One `close` listener for every counted connection (it runs with the connection as `this`),
   * taken off again once the connection authenticates: a listener and its closure kept for
   * the life of every chat connection cost some 200 bytes each.
   */
  private readonly onClose: (this: NetSocket) => void;

  constructor(
    private readonly cap: number,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- `this` below is the socket
    const guard = this;
    this.onClose = function (this: NetSocket) {
      guard.release(this);
    };
  }

  /** Counts `http`'s connections; a socket connecting to any of `namespaces` trusts its own. */
  attach(http: HttpServer, io: Server, namespaces: string[]): void {
    http.on('connection', (sock: NetSocket) => this.admit(sock));
    http.prependListener('request', (req: IncomingMessage) => {
      const sid = /[?&]sid=([^&]+)/.exec(req.url ?? '')?.[1];
      if (sid && this.trustedSids.has(decodeURIComponent(sid))) this.release(req.socket);
    });
    for (const ns of namespaces) io.of(ns).on('connection', (s: Socket) => this.trust(s));
  }

  /** How many unauthenticated connections `address` holds now. */
  held(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  private admit(sock: NetSocket): void {
    const address = sock.remoteAddress ?? 'unknown';
    const n = this.held(address);
    if (n >= this.cap) {
      sock.destroy();
      this.metrics.rejected.inc({ code: 'connection_cap' });
      this.refusedSinceWarn++;
      const now = Date.now();
      if (now - this.lastWarnAt >= WARN_EVERY_MS) {
        this.log.warn(
          { address, cap: this.cap, refused: this.refusedSinceWarn },
          'too many unauthenticated connections from one address; refusing',
        );
        this.lastWarnAt = now;
        this.refusedSinceWarn = 0;
      }
      return;
    }
    this.perAddress.set(address, n + 1);
    this.pending.set(sock, address);
    sock.on('close', this.onClose);
  }

  private trust(socket: Socket): void {
    const conn = socket.conn;
    this.release(conn.request.socket);
    // A session on WebSocket (from the start, or upgraded) makes no long-polling request
    // from here on: nothing to recognise.
    if (conn.transport.name === 'websocket') return;
    // Engine.IO types the session id as private, yet it is the `sid` every request carries.
    const sid = (conn as unknown as { id: string }).id;
    if (this.trustedSids.has(sid)) return;
    this.trustedSids.add(sid);
    conn.once('close', () => this.trustedSids.delete(sid));
  }

  private release(sock: NetSocket): void {
    const address = this.pending.get(sock);
    if (address === undefined) return;
    this.pending.delete(sock);
    sock.removeListener('close', this.onClose);
    const n = this.held(address) - 1;
    if (n > 0) this.perAddress.set(address, n);
    else this.perAddress.delete(address);
  }
}
