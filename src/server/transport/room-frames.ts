import * as ws from 'ws';
import type { ServerEventPayload, ServerToClientEvents } from '../../protocol/index.js';
import type { ChatServer } from './io-types.js';

/** Socket.IO's EVENT packet type (socket.io-parser's `PacketType.EVENT`). */
const EVENT = 2;
/** `ws`'s frame builder, which Socket.IO's adapter uses for its pre-encoded frames (untyped in @types/ws). */
const { Sender } = ws as unknown as {
  Sender: {
    frame(
      data: Buffer,
      options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean },
    ): Buffer[];
  };
};
/** `ws`'s `WebSocket.OPEN`. */
const WS_OPEN = 1;

/** The socket under a WebSocket: what a frame is written to. */
interface RawSocket {
  destroyed: boolean;
  writableLength: number;
  write(chunk: Buffer): boolean;
  cork(): void;
  uncork(): void;
}

/**
 * Sockets that room frames were written to in this turn, corked at their first frame and let
 * go together once the turn's synchronous work is done (`process.nextTick`). A Redis read can
 * hold several of a room's messages (ioredis hands them over one by one in the same call);
 * a member then gets them in one write instead of one each. A message alone in its read is
 * written as before, in the same turn: nothing waits for a later message. Anything else
 * written to a held socket meanwhile (Engine.IO's packets, `ws`'s control frames) joins the
 * same buffer in the order it was written.
 */
const held = new Set<RawSocket>();
let release = false;

/** Since the process started (read by the metrics). */
export const roomFrameWrites = {
  /** Room frames that left in one write with an earlier frame to the same socket. */
  joined: 0,
};

function releaseHeld(): void {
  release = false;
  for (const raw of held) raw.uncork();
  held.clear();
}

/** Writes a room frame to an idle socket, holding the socket for the rest of the turn. */
function writeHeld(raw: RawSocket, frame: Buffer): void {
  if (held.has(raw)) roomFrameWrites.joined++;
  else {
    raw.cork();
    held.add(raw);
    if (!release) {
      release = true;
      process.nextTick(releaseHeld);
    }
  }
  raw.write(frame);
}

/**
 * What this reads of an Engine.IO connection beyond its typed surface. Engine.IO's own
 * pre-encoded frame path reaches into the same objects (`transport.socket._sender`); each is
 * checked at run time, and a connection that does not look like this takes Engine.IO's path.
 */
interface EngineConn {
  readyState: string;
  writeBuffer?: unknown[];
  transport: {
    name: string;
    writable: boolean;
    socket?: { readyState?: number; _socket?: RawSocket };
  };
  write(data: string, options: { wsPreEncodedFrame: Buffer[] }): unknown;
}

/**
 * The connection's socket if a frame may go to it directly: a WebSocket that is open, with
 * nothing queued in Engine.IO (its transport writable, its buffer empty) and nothing unsent in
 * the socket itself but this turn's room frames (held, see `writeHeld`). Then writing there
 * keeps the connection's order exactly (everything sent before is already with the kernel or
 * in the same held buffer) and changes nothing Engine.IO tracks. Otherwise the frame
 * goes through Engine.IO, which queues it behind what is waiting, and its flow control (and
 * the slow-consumer watch that reads it) sees the connection as before.
 */
function idleSocket(conn: EngineConn): RawSocket | undefined {
  if (conn.readyState !== 'open') return undefined;
  const t = conn.transport;
  if (t.name !== 'websocket' || !t.writable || (conn.writeBuffer?.length ?? 1) !== 0) {
    return undefined;
  }
  const webSocket = t.socket;
  if (webSocket?.readyState !== WS_OPEN) return undefined;
  const raw = webSocket._socket;
  if (!raw || raw.destroyed || (raw.writableLength !== 0 && !held.has(raw))) return undefined;
  return raw;
}

/**
 * Sends one event to this instance's sockets in a Socket.IO room (but those also in `except`),
 * as `io.local.to(room).except(except).emit` does: encoded once, one WebSocket frame for all.
 * But it writes the frame straight to each idle connection's socket instead of through
 * Engine.IO's per-packet path (a packet object, six events, a write callback and its drain per
 * recipient: about a third of a delivery's CPU in the fan-out probe's profile, the rest being
 * the write itself). The frame is one buffer, so each recipient costs one write, and several
 * frames to one socket in the same turn share one (`writeHeld`).
 *
 * @returns the number of sockets it was sent to
 */
export function emitToLocalRoom<E extends keyof ServerToClientEvents>(
  io: ChatServer,
  room: string,
  event: E,
  payload: ServerEventPayload<E>,
  except?: string,
): number {
  const nsp = io.of('/');
  const ids = nsp.adapter.rooms.get(room);
  if (!ids || ids.size === 0) return 0;
  const skip = except === undefined ? undefined : nsp.adapter.rooms.get(except);
  const encoded = io.encoder.encode({ type: EVENT, nsp: '/', data: [event, payload] }) as unknown[];
  const text = encoded[0];
  if (encoded.length !== 1 || typeof text !== 'string') {
    // Binary attachments make several packets: Socket.IO's own path sends those.
    const to = except === undefined ? io.local.to(room) : io.local.to(room).except(except);
    (to.emit as (ev: E, p: unknown) => boolean).call(to, event, payload);
    return ids.size - (skip?.size ?? 0);
  }
  const data = Buffer.from('4' + text);
  const parts = Sender.frame(data, {
    fin: true,
    rsv1: false,
    opcode: 1,
    mask: false,
    readOnly: false,
  });
  const frame = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  const options = { wsPreEncodedFrame: [frame] };
  let n = 0;
  for (const id of ids) {
    if (skip?.has(id)) continue;
    const socket = nsp.sockets.get(id);
    if (!socket) continue;
    const conn = socket.conn as unknown as EngineConn;
    const raw = idleSocket(conn);
    if (raw) writeHeld(raw, frame);
    else conn.write(text, options);
    n++;
  }
  return n;
}
