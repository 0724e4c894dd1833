import type { ChatServer, ChatSocket } from '../transport/io-types.js';
import type { Logger } from './logger.js';

type Connection = ChatSocket['conn'];

/**
 * Each beat looks at this share of the sockets, so each socket is looked at every 5 beats: a
 * look at every socket every beat cost an instance 0.8 % of a core holding 10k sockets in a
 * CPU profile (a cache miss per socket); the idle bench's run-to-run spread is wider than that,
 * so it did not show there. A socket that stops reading is watched within 5 s; what it is sent
 * meanwhile is bounded by the room's rate.
 */
const SLICES = 5;

/** A connection whose transport could not take packets at a beat, and what was queued since. */
interface Stalled {
  user: string;
  queued: number;
  stop(): void;
}

/**
 * Cuts off sockets that stopped reading: their unsent packets would otherwise pile up in
 * memory without bound. Closing the transport (not the session) lets the client reconnect and
 * resume from history, so a slow reader loses nothing and costs nothing meanwhile.
 *
 * Only Engine.IO's public surface is used: a transport that is not `writable` when a beat
 * looks at it (each beat looks at a fifth of the sockets, see {@link SLICES}) is watched,
 * counting the packets created for it (`packetCreate`) until its buffer is handed
 * to the transport again (`drain`) or it closes. Engine.IO queues exactly those packets, so
 * the count is what it holds (less what was queued before the watch began, which the next
 * beats catch up on). A reading socket costs nothing: no listener unless it stalls.
 *
 * A watched connection that closes is forgotten at the next beat rather than by a `close`
 * listener: Engine.IO and Socket.IO already listen for `close`, and a third listener turns
 * the emitter's two-slot array into a grown one that removing the listener never shrinks
 * (~260 bytes kept by every connection that ever stalled, which in a connect storm is most).
 */
export class SlowConsumers {
  private readonly stalled = new Map<Connection, Stalled>();
  /** Where the last look stopped (a Map iterator sees sockets added since, skips gone ones). */
  private cursor: Iterator<ChatSocket> | undefined;

  constructor(
    private readonly io: ChatServer,
    private readonly maxPackets: number,
    private readonly log: Logger,
  ) {}

  /** One beat: watches the stalled among its share of sockets, cuts those over the limit. */
  check(): void {
    const sockets = this.io.of('/').sockets;
    for (let n = Math.ceil(sockets.size / SLICES); n > 0; n--) {
      let next = this.cursor?.next();
      if (!next || next.done) {
        this.cursor = sockets.values();
        next = this.cursor.next();
        if (next.done) break;
      }
      const socket = next.value;
      const conn = socket.conn;
      if (conn.transport.writable || this.stalled.has(conn)) continue;
      this.watch(conn, socket.data.user);
    }
    for (const [conn, s] of this.stalled) {
      if (conn.readyState === 'closed') {
        s.stop();
        continue;
      }
      if (s.queued <= this.maxPackets) continue;
      s.stop();
      this.log.warn({ user: s.user, pending: s.queued }, 'slow consumer cut off');
      conn.close();
    }
  }

  /** Connections being watched (tests and status). */
  get watched(): number {
    return this.stalled.size;
  }

  private watch(conn: Connection, user: string): void {
    const onPacket = (): void => {
      s.queued++;
    };
    const stop = (): void => {
      conn.off('packetCreate', onPacket);
      conn.off('drain', stop);
      this.stalled.delete(conn);
    };
    const s: Stalled = { user, queued: 0, stop };
    conn.on('packetCreate', onPacket);
    conn.on('drain', stop);
    this.stalled.set(conn, s);
  }
}
