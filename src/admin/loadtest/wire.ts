import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import WebSocket from 'ws';
import { ConnectRefusal, type ClientToServerEvents } from '../../protocol/index.js';
import { TCP_TIMEOUT_MS, OPEN_TIMEOUT_MIN_MS } from '../../client/delivery/backoff.js';
import { watchedConnect } from '../../client/delivery/tcp-connect.js';

/**
 * The Socket.IO wire protocol (Engine.IO 4 framing, Socket.IO 5 packets) over one WebSocket
 * (`ws`), for the load tester's virtual users: what socket.io-client puts on the
 * wire with `transports: ['websocket']`, for the default namespace, without its Manager,
 * emitter chain, debug build and per-socket timers; its packets are encoded and decoded by
 * `socket.io-parser`, the client library's own parser. The server cannot tell the two apart:
 * the same handshake, the same CONNECT packet with the session token, the same events and
 * acks, pongs to its pings.
 *
 *   engine packets: 0 open · 1 close · 2 ping · 3 pong · 4 message · 6 noop
 *   socket packets (inside 4): 0 CONNECT · 1 DISCONNECT · 2 EVENT · 3 ACK · 4 CONNECT_ERROR
 *
 * Binary packets are not part of the chat protocol; one arriving closes the socket as an
 * error. Liveness is checked from outside ({@link WireSocket.check}, one sweep per worker).
 */
export interface WireHandlers {
  /** The namespace accepted the session (CONNECT answered). */
  connected(): void;
  /** The namespace refused (CONNECT_ERROR): its message and `data.code`, if any. */
  refused(message: string, code: string | undefined): void;
  /** An event from the server; its payload is checked by the receiver. */
  event(name: string, payload: unknown): void;
  /** The connection is gone (never called after {@link WireSocket.close}). */
  closed(reason: string): void;
}

type Payload<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[0];

interface PendingAck {
  resolve(answer: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Why a socket failed when no TCP connection was made within its wait (the host did not answer). */
export const TCP_TIMED_OUT = 'timeout before the TCP connection';
/** Why a socket failed when the server did not open the transport within its wait. */
export const OPEN_TIMED_OUT = 'timeout before the open';
/** Why a socket failed when the server opened the transport but did not answer CONNECT in time. */
export const CONNECT_TIMED_OUT = 'timeout before the CONNECT answer';

export class WireSocket {
  private readonly ws: WebSocket;
  private readonly acks = new Map<number, PendingAck>();
  private readonly decoder = new Decoder();
  private nextAck = 0;
  private done = false;
  /** Set once the namespace answered CONNECT. */
  connected = false;
  /** Set once the TCP connection is made. */
  private reached = false;
  private readonly openedAt = Date.now();
  /** Last sign of life from the server (a ping, or the open). */
  private lastPingAt = 0;
  /** From the open packet: the server pings every `pingInterval`, waits `pingTimeout` for the pong. */
  private deadAfterMs = 0;

  /**
   * The waits of socket.io-client's attempt, as chat-tui's (see `Reconnects.tcpTimeoutMs`):
   * `tcpTimeoutMs` for the TCP connection (a host that is up completes it at once),
   * `openTimeoutMs` from the start for the transport to open (up to Engine.IO's open packet),
   * as socket.io-client's `timeout`; after that the server's pings say whether it is alive.
   */
  constructor(
    server: string,
    private readonly auth: { token: string },
    private readonly on: WireHandlers,
    private readonly tcpTimeoutMs = TCP_TIMEOUT_MS,
    private readonly openTimeoutMs = OPEN_TIMEOUT_MIN_MS,
  ) {
    const url = new URL('/socket.io/', server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '?EIO=4&transport=websocket';
    // No compression offered: the server does not compress (Engine.IO's default).
    this.ws = new WebSocket(url, {
      perMessageDeflate: false,
      createConnection: watchedConnect(url.protocol === 'wss:', () => (this.reached = true)),
    });
    this.decoder.on('decoded', (packet: Packet) => this.onSocketPacket(packet));
    this.ws.on('message', (data, isBinary) => {
      // Text frames arrive as one Buffer (binaryType 'nodebuffer', ws's default).
      if (isBinary || !Buffer.isBuffer(data)) this.fail('a binary packet (not in the protocol)');
      else this.onPacket(data.toString());
    });
    this.ws.on('error', (err) => this.fail(err.message));
    this.ws.on('close', () => this.fail('transport close'));
  }

  /**
   * Closes a socket whose server went quiet (no ping within its interval and timeout) or
   * that did not connect in time. Called about once a second for every socket by the worker.
   */
  check(now: number): void {
    if (this.done) return;
    const age = now - this.openedAt;
    // Which wait ran out says what the server had done: not even the TCP connection (the host
    // does not answer), nothing of ours yet (no open: the upgrade was not answered), or the
    // handshake (sessions, joins) it may still be running.
    if (!this.reached && age > this.tcpTimeoutMs) this.fail(TCP_TIMED_OUT);
    else if (this.deadAfterMs === 0 && age > this.openTimeoutMs) this.fail(OPEN_TIMED_OUT);
    // Twice the open's wait, so it grows with it: a server that answers late under a herd has
    // read the session by then, and a retry would make it read it again.
    else if (!this.connected && age > 2 * this.openTimeoutMs) this.fail(CONNECT_TIMED_OUT);
    else if (this.deadAfterMs > 0 && now - this.lastPingAt > this.deadAfterMs)
      this.fail('ping timeout');
  }

  /** Sends an event and waits `timeoutMs` for its ack; rejects if it does not come. */
  request<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Payload<E>,
    timeoutMs: number,
  ): Promise<unknown> {
    if (!this.connected || this.done) return Promise.reject(new Error('not connected'));
    const id = this.nextAck++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`no answer to ${event} in time`));
      }, timeoutMs);
      this.acks.set(id, { resolve, reject, timer });
      this.sendPacket({ type: PacketType.EVENT, nsp: '/', data: [event, payload], id });
    });
  }

  /** Closes the socket as a client leaving would (DISCONNECT, then the transport). */
  close(): void {
    if (this.done) return;
    if (this.ws.readyState === WebSocket.OPEN) {
      if (this.connected) this.sendPacket({ type: PacketType.DISCONNECT, nsp: '/' });
      this.ws.close();
    } else this.ws.terminate();
    this.finish(new Error('closed by the client'));
  }

  private finish(err: Error): void {
    this.done = true;
    this.connected = false;
    for (const a of this.acks.values()) {
      clearTimeout(a.timer);
      a.reject(err);
    }
    this.acks.clear();
  }

  private fail(reason: string): void {
    if (this.done) return;
    this.ws.terminate();
    this.finish(new Error(`the connection dropped (${reason})`));
    this.on.closed(reason);
  }

  private onPacket(p: string): void {
    switch (p.charCodeAt(0)) {
      case 0x34: // 4 message
        try {
          this.decoder.add(p.slice(1));
        } catch (err) {
          this.fail(`a malformed packet (${(err as Error).message})`);
        }
        return;
      case 0x32: // 2 ping
        this.lastPingAt = Date.now();
        this.ws.send('3');
        return;
      case 0x30: // 0 open
        this.onOpen(p.slice(1));
        return;
      case 0x31: // 1 close
        this.fail('transport close');
        return;
      default: // 3 pong, 6 noop: nothing to do
        return;
    }
  }

  private onOpen(json: string): void {
    const hs = parseJson(json) as { pingInterval?: unknown; pingTimeout?: unknown } | undefined;
    const interval = Number(hs?.pingInterval);
    const timeout = Number(hs?.pingTimeout);
    if (!Number.isFinite(interval) || !Number.isFinite(timeout)) {
      this.fail('a malformed open packet');
      return;
    }
    this.deadAfterMs = interval + timeout;
    this.lastPingAt = Date.now();
    this.sendPacket({ type: PacketType.CONNECT, nsp: '/', data: this.auth });
  }

  /** A Socket.IO packet decoded by socket.io-parser (the client library's own parser). */
  private onSocketPacket(packet: Packet): void {
    // Only the default namespace is ever joined.
    if (packet.nsp !== '/') {
      this.fail('a packet for another namespace');
      return;
    }
    const body: unknown = packet.data;
    switch (packet.type) {
      case PacketType.EVENT: {
        // ["name", payload]; the chat server never asks us for an ack.
        if (!Array.isArray(body) || typeof body[0] !== 'string') {
          this.fail('a malformed event');
          return;
        }
        this.on.event(body[0], body[1]);
        return;
      }
      case PacketType.ACK: {
        const pending = packet.id === undefined ? undefined : this.acks.get(packet.id);
        if (!pending) return; // late: its caller gave up already
        this.acks.delete(packet.id!);
        clearTimeout(pending.timer);
        pending.resolve(Array.isArray(body) ? body[0] : undefined);
        return;
      }
      case PacketType.CONNECT:
        this.connected = true;
        this.on.connected();
        return;
      case PacketType.CONNECT_ERROR: {
        // {message, data}
        const e = body as { message?: unknown; data?: unknown } | undefined;
        const refusal = ConnectRefusal.safeParse(e?.data);
        const code = refusal.success ? refusal.data.code : undefined;
        const message = typeof e?.message === 'string' ? e.message : 'connection refused';
        this.done = true;
        this.ws.terminate();
        this.finish(new Error(message));
        this.on.refused(message, code);
        return;
      }
      case PacketType.DISCONNECT: // the server closed our namespace socket
        this.fail('io server disconnect');
        return;
      default:
        this.fail('a binary packet (not in the protocol)');
    }
  }

  /** Sends one Socket.IO packet (text: the chat protocol has no binary) as an Engine.IO message. */
  private sendPacket(packet: Packet): void {
    for (const encoded of encoder.encode(packet) as string[]) this.ws.send(`4${encoded}`);
  }
}

/** Stateless: one for every socket. */
const encoder = new Encoder();

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}
