import type { Duplex } from 'node:stream';
import type { Socket } from 'socket.io';
import type { ChatServer } from './io-types.js';

/** The TCP socket under a WebSocket, as much of it as is used here. */
interface RawSocket {
  destroyed: boolean;
  cork(): void;
  uncork(): void;
}

/**
 * What this reads of an Engine.IO connection beyond its typed surface: its transport's
 * `writable` flag and `ready` event are how an Engine.IO transport tells its socket that it
 * may send (Engine.IO's own WebSocket transport clears the flag while a write is in flight and
 * emits `ready` when it completes); `socket._socket` is `ws`'s TCP socket.
 */
interface EngineTransport {
  name: string;
  writable: boolean;
  emit(event: 'ready'): boolean;
  socket?: { _socket?: RawSocket };
}

/** Connections whose writes are held until their welcome is queued. */
const held = new WeakSet<EngineTransport>();

function transportOf(socket: Socket): EngineTransport {
  return socket.conn.transport;
}

/**
 * Holds what Engine.IO would write to a WebSocket connection from here until
 * {@link releaseFirstWrites}: called once the handshake has accepted a socket, so that
 * Socket.IO's CONNECT packet and the connection handler's welcome leave in one write (one
 * system call, one wake-up of the client) instead of two, the second only after the first
 * write's completion has come back through the event loop. Packets are queued in Engine.IO's
 * own buffer meanwhile, in order; nothing is written around it (frames written straight to an
 * idle socket check the same flag). Only a WebSocket whose transport is free is held: polling
 * has its own flow, and a transport with a write in flight is left to finish it.
 */
export function holdFirstWrites(socket: Socket): void {
  const transport = transportOf(socket);
  if (transport.name !== 'websocket' || !transport.writable) return;
  transport.writable = false;
  held.add(transport);
}

/**
 * Lets a held connection write again and writes what it queued, corked, so that its frames go
 * to the kernel together. Does nothing for a connection that was not held.
 */
export function releaseFirstWrites(socket: Socket): void {
  const transport = transportOf(socket);
  if (!held.delete(transport)) return;
  const raw = transport.socket?._socket;
  const corked = raw !== undefined && !raw.destroyed;
  if (corked) raw.cork();
  transport.writable = true;
  transport.emit('ready');
  if (corked) raw.uncork();
}

/** Upgrade sockets corked until Engine.IO has written their open packet. */
const corkedUpgrades = new WeakSet<Duplex>();

/**
 * Corks a WebSocket upgrade's socket before Engine.IO serves it, so that the 101 answer (which
 * `ws` writes at once) and Engine.IO's open packet (written after Engine.IO's handshake has
 * awaited the session id) leave in one write. Uncorked when Engine.IO says the connection is
 * open or refused ({@link uncorkServedUpgrades}), and in any case on the next turn of the event
 * loop, whatever became of the upgrade.
 */
export function corkUpgrade(socket: Duplex): void {
  socket.cork();
  corkedUpgrades.add(socket);
  setImmediate(uncorkUpgrade, socket);
}

function uncorkUpgrade(socket: Duplex): void {
  if (corkedUpgrades.delete(socket)) socket.uncork();
}

/** What this reads of Engine.IO's events for an upgrade: the connection's TCP socket. */
interface OpenedConn {
  transport?: { socket?: { _socket?: Duplex } };
}
interface RefusedRequest {
  req?: { socket?: Duplex };
}

/**
 * Uncorks an upgrade's socket the moment Engine.IO has opened the connection (its open packet
 * is written by then) or refused it: a refusal's answer is written and the socket destroyed at
 * once, and a destroyed socket's corked writes would never leave.
 */
export function uncorkServedUpgrades(engine: ChatServer['engine']): void {
  engine.on('connection', (conn: OpenedConn) => {
    const raw = conn.transport?.socket?._socket;
    if (raw) uncorkUpgrade(raw);
  });
  engine.on('connection_error', (err: RefusedRequest) => {
    const raw = err.req?.socket;
    if (raw) uncorkUpgrade(raw);
  });
}
