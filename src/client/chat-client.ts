import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import {
  ChatMessage,
  DrainReason,
  ErrorCode,
  HISTORY_PAGE_MAX,
  TYPING_TTL_MS,
  isRetryable,
  type ClientToServerEvents,
  type ErrorBody,
  type Notice,
  type Result,
  type RoomInfo,
  type ServerToClientEvents,
  type SessionEndReason,
  type Welcome,
} from '../protocol/index.js';
import { ackResult } from './ack.js';
import { Emitter } from './emitter.js';
import { ROOM_WINDOW_DEFAULT, RoomState, type Gap } from './room-state.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Where the connection stands, for the header. */
export type ConnectionState =
  | { kind: 'connecting'; server: string }
  | { kind: 'connected'; server: string; instanceId: string; bootId: string }
  | { kind: 'reconnecting'; attempt: number; inMs: number; reason: string }
  | { kind: 'ended'; reason: SessionEndReason | 'unauthorized' | 'closed'; message: string };

/** A message of ours on its way: pending until acked, failed (and retried) when it was not. */
export interface OutgoingMessage {
  clientMsgId: string;
  room: string;
  text: string;
  kind: 'text' | 'action';
  state: 'pending' | 'sent' | 'failed' | 'rejected';
  id?: string;
  error?: ErrorBody;
  createdAt: number;
}

export interface ChatClientEvents {
  state: [ConnectionState];
  /** A message new to the room (not a duplicate). */
  message: [ChatMessage];
  /** A room's messages, members, typing or unread changed. */
  room: [string];
  /** Our outgoing messages changed state. */
  outgoing: [OutgoingMessage];
  notice: [Notice];
  /** A human-readable account of what just happened to the connection. */
  status: [string];
  gap: [string, Gap];
  rtt: [number];
  /** A direct conversation we had not joined got a message: now joined, its news unread. */
  opened: [room: string];
}

export interface ChatClientOptions {
  /** Base URLs; reconnects rotate through them (one URL behind a balancer is typical). */
  servers: string[];
  token: string;
  transports?: ('websocket' | 'polling')[];
  /** Reconnect backoff: first delay and cap, in ms (jittered). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** How long to wait for an ack before calling a send failed. */
  ackTimeoutMs?: number;
  /** Round-trip probe interval (0 disables). */
  pingEveryMs?: number;
  /**
   * How many of the newest messages each room keeps in memory (older ones are loaded again
   * from history on scroll); a load tester keeps few.
   */
  roomWindow?: number;
}

/** How a drain reads in the status line. */
const DRAIN_WORDS: Record<string, string> = {
  [DrainReason.Restart]: 'is restarting',
  [DrainReason.Shutdown]: 'is shutting down',
  [DrainReason.RedisLost]: 'lost its Redis connection',
};

const newClientMsgId = (): string => randomBytes(12).toString('base64url');

/**
 * A chat client with no UI: it connects, reconnects on its own (rotating servers, jittered
 * backoff), moves at once when its instance drains, resumes every room from the last message
 * it holds without gaps, and keeps each room's messages in id order, each once. The TUI, the
 * load tester and the tests all drive this same class.
 */
export class ChatClient extends Emitter<ChatClientEvents> {
  readonly rooms = new Map<string, RoomState>();
  readonly outgoing = new Map<string, OutgoingMessage>();
  state: ConnectionState;
  welcome: Welcome | undefined;
  rttMs: number | undefined;
  /** Reconnects so far (successful ones). */
  reconnects = 0;
  private socket: ClientSocket | undefined;
  private serverIndex = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Why the last connection went away, for the status line after the next connect. */
  private lostReason: string | undefined;
  /** The last connection ended because its instance drained (a move, not a loss). */
  private moved = false;
  private resyncing: Promise<void> | undefined;
  private sendRetryTimer: NodeJS.Timeout | undefined;
  private sendRetries = 0;
  private readonly opts: Required<ChatClientOptions>;

  constructor(opts: ChatClientOptions) {
    super();
    if (opts.servers.length === 0) throw new Error('ChatClient needs at least one server URL');
    this.opts = {
      transports: ['websocket'],
      backoffMinMs: 300,
      backoffMaxMs: 10_000,
      ackTimeoutMs: 5000,
      pingEveryMs: 5000,
      roomWindow: ROOM_WINDOW_DEFAULT,
      ...opts,
    };
    this.state = { kind: 'connecting', server: this.server };
  }

  get server(): string {
    return this.opts.servers[this.serverIndex % this.opts.servers.length]!;
  }

  get connected(): boolean {
    return this.state.kind === 'connected';
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    this.emit('state', s);
  }

  /** Connects; resolves on the first welcome, rejects if the session is refused. */
  connect(): Promise<Welcome> {
    return new Promise((resolve, reject) => {
      const onState = (s: ConnectionState): void => {
        if (s.kind === 'connected' && this.welcome) {
          this.off('state', onState);
          resolve(this.welcome);
        } else if (s.kind === 'ended') {
          this.off('state', onState);
          reject(new Error(s.message));
        }
      };
      this.on('state', onState);
      this.open();
    });
  }

  private open(): void {
    if (this.closed) return;
    this.retryTimer = undefined;
    const server = this.server;
    if (this.attempt === 0) this.setState({ kind: 'connecting', server });
    const socket: ClientSocket = io(server, {
      transports: this.opts.transports,
      auth: { token: this.opts.token },
      reconnection: false,
      forceNew: true,
      timeout: 5000,
    });
    this.socket = socket;

    socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
      socket.removeAllListeners();
      socket.close();
      const code = err.data?.code;
      if (code && !isRetryable(code)) {
        this.end('unauthorized', err.message);
        return;
      }
      this.scheduleReconnect(code === ErrorCode.Draining ? 'instance draining' : err.message);
    });
    socket.on('session:welcome', (w) => void this.onWelcome(w));
    socket.on('message:created', (m) => this.onMessage(m));
    socket.on('presence:updated', ({ room, members, count }) => {
      const r = this.rooms.get(room);
      if (!r) return;
      r.members = members;
      r.memberCount = count;
      this.emit('room', room);
    });
    socket.on('typing:updated', ({ room, user, typing }) => {
      const r = this.rooms.get(room);
      if (!r) return;
      if (typing) r.typing.set(user, Date.now() + TYPING_TTL_MS);
      else r.typing.delete(user);
      this.emit('room', room);
    });
    socket.on('notice:created', (n) => this.emit('notice', n));
    socket.on('sync:required', () => void this.resync('sync'));
    socket.on('server:draining', ({ instanceId, reason, reconnectWithinMs }) => {
      this.lostReason = `${instanceId} ${DRAIN_WORDS[reason] ?? 'is going away'}`;
      this.moved = true;
      socket.removeAllListeners();
      socket.close();
      // Spread the herd over the window the server gave; move to the next server.
      this.serverIndex++;
      this.attempt = 1;
      const inMs = Math.floor(Math.random() * Math.max(reconnectWithinMs, 1));
      this.setState({ kind: 'reconnecting', attempt: 1, inMs, reason: this.lostReason });
      this.retryTimer = setTimeout(() => this.open(), inMs);
    });
    socket.on('session:ended', ({ reason }) => {
      this.end(reason, `session ended (${reason.replace('_', ' ')})`);
    });
    socket.on('disconnect', (reason) => {
      if (this.closed || this.state.kind === 'ended') return;
      socket.removeAllListeners();
      socket.close();
      const was = this.welcome?.instanceId ?? 'the server';
      this.lostReason = `${was} went away`;
      this.moved = false;
      this.scheduleReconnect(reason);
    });
  }

  private scheduleReconnect(reason: string): void {
    if (this.closed || this.state.kind === 'ended') return;
    clearInterval(this.pingTimer);
    this.attempt++;
    this.serverIndex++;
    const { backoffMinMs: min, backoffMaxMs: max } = this.opts;
    const base = Math.min(max, min * 2 ** Math.min(this.attempt - 1, 10));
    const inMs =
      this.attempt === 1
        ? Math.floor(Math.random() * min)
        : Math.floor(base * (0.5 + Math.random() / 2));
    this.setState({ kind: 'reconnecting', attempt: this.attempt, inMs, reason });
    this.retryTimer = setTimeout(() => this.open(), inMs);
  }

  private end(reason: SessionEndReason | 'unauthorized' | 'closed', message: string): void {
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.socket?.removeAllListeners();
    this.socket?.close();
    for (const o of this.outgoing.values()) {
      if (o.state === 'pending') this.updateOutgoing(o, { state: 'failed' });
    }
    this.setState({ kind: 'ended', reason, message });
  }

  private async onWelcome(w: Welcome): Promise<void> {
    const first = this.welcome === undefined;
    const before = this.welcome;
    this.welcome = w;
    this.attempt = 0;
    this.setState({
      kind: 'connected',
      server: this.server,
      instanceId: w.instanceId,
      bootId: w.bootId,
    });
    this.startPing();
    if (first) return;
    this.reconnects++;
    const recovered = await this.resync('reconnect');
    const lost = this.lostReason ?? 'connection lost';
    // A drain is planned: the client moved; anything else is a reconnect after a loss. Back
    // on the same id with a new boot id is the restarted instance itself, said as such.
    const replacement = before?.instanceId === w.instanceId && before.bootId !== w.bootId;
    const verb = this.moved ? (replacement ? 'back on' : 'moved to') : 'reconnected to';
    const target = replacement ? `${w.instanceId} (restarted)` : w.instanceId;
    this.lostReason = undefined;
    this.moved = false;
    this.emit(
      'status',
      `${lost}; ${verb} ${target}; ${recovered} missed message${recovered === 1 ? '' : 's'} recovered`,
    );
  }

  private startPing(): void {
    clearInterval(this.pingTimer);
    if (this.opts.pingEveryMs <= 0) return;
    const probe = (): void => {
      const socket = this.socket;
      if (!socket?.connected) return;
      const t = performance.now();
      socket.timeout(this.opts.ackTimeoutMs).emit('sys:ping', { t: Date.now() }, (err, res) => {
        if (err || !res.ok) return;
        this.rttMs = Math.round((performance.now() - t) * 10) / 10;
        this.emit('rtt', this.rttMs);
      });
    };
    probe();
    this.pingTimer = setInterval(probe, this.opts.pingEveryMs);
    this.pingTimer.unref();
  }

  private onMessage(raw: ChatMessage): void {
    const parsed = ChatMessage.safeParse(raw);
    if (!parsed.success) return;
    const msg = parsed.data;
    const room = this.rooms.get(msg.room);
    if (!room) return;
    if (msg.epoch !== undefined && room.epoch !== undefined && msg.epoch !== room.epoch) {
      // The room's history was reset on the server: a resume from our (old-epoch) position
      // is answered with the new history. The message waits until then (it may be newer
      // than what that answer read); the first one held asks for the resume.
      const first = room.held.length === 0;
      room.hold(msg);
      if (first) void this.resync('sync');
      return;
    }
    this.accept(room, msg, true);
    if (room.hasHole() && !this.resyncing) void this.resync('hole');
  }

  /** Adds a message to its room; true if it was new. */
  private accept(room: RoomState, msg: ChatMessage, live: boolean): boolean {
    if (!room.insert(msg)) return false;
    if (msg.clientMsgId) {
      const out = this.outgoing.get(msg.clientMsgId);
      if (out && out.state !== 'sent') this.updateOutgoing(out, { state: 'sent', id: msg.id });
    }
    if (live) room.unread++;
    this.emit('message', msg);
    return true;
  }

  /** Delivers the live messages held for the room's current epoch; drops the rest. */
  private takeHeld(room: RoomState): void {
    let took = false;
    for (const m of room.held.splice(0)) {
      if (m.epoch === room.epoch) took = this.accept(room, m, true) || took;
    }
    // Something between the answer and the held messages is missing: resume again (queued).
    if (took && room.hasHole()) void this.resync('hole');
  }

  /**
   * Takes the epoch an answer carries; when it differs from the room's, the server's history
   * was reset: the room is emptied (and marked) and reloaded from this answer. Returns true
   * if so.
   */
  private adoptEpoch(room: RoomState, epoch: string): boolean {
    if (!room.adoptEpoch(epoch)) return false;
    this.emit('gap', room.name, { afterSeq: 0, missing: 0, reset: true });
    this.emit(
      'status',
      `the server's history of #${room.name} was reset (its sequence was lost); reloaded it`,
    );
    return true;
  }

  /** Fetches every message after the room's resume point; returns how many were new. */
  private async catchUp(room: RoomState, socket: ClientSocket, join: boolean): Promise<number> {
    let added = 0;
    let since = room.resumeFrom();
    for (let page = 0; page < 1000; page++) {
      const epoch = room.epoch !== undefined ? { epoch: room.epoch } : {};
      const res: Result<{
        messages: ChatMessage[];
        hasMore: boolean;
        truncated: boolean;
        epoch: string;
        unrecoverable: boolean;
        members?: string[];
        memberCount?: number;
        lastSeq?: number;
      }> =
        join && page === 0
          ? await ackResult(socket, 'room:join', () =>
              this.timed(socket).emitWithAck('room:join', { room: room.name, since, ...epoch }),
            )
          : await ackResult(socket, 'room:history', () =>
              this.timed(socket).emitWithAck('room:history', {
                room: room.name,
                since,
                ...epoch,
                limit: HISTORY_PAGE_MAX,
              }),
            );
      if (!res.ok) throw Object.assign(new Error(res.error.message), { code: res.error.code });
      const { messages, hasMore, truncated } = res.data;
      if (res.data.members) room.members = res.data.members;
      if (res.data.memberCount !== undefined) room.memberCount = res.data.memberCount;
      if (this.adoptEpoch(room, res.data.epoch)) {
        room.setBase(messages[0]?.seq ?? (res.data.lastSeq ?? 0) + 1);
      }
      const first = messages[0];
      if (truncated && first) {
        const gap = room.acceptGap(first.seq);
        if (gap) this.emit('gap', room.name, gap);
      }
      for (const m of messages) if (this.accept(room, m, false)) added++;
      const last = messages[messages.length - 1];
      if (!hasMore || !last) break;
      since = last.id;
    }
    this.takeHeld(room);
    this.emit('room', room.name);
    return added;
  }

  /** Resumes every joined room after a reconnect or a server's request; returns messages recovered. */
  private resync(why: 'reconnect' | 'sync' | 'hole'): Promise<number> {
    const run = async (): Promise<number> => {
      const socket = this.socket;
      if (!socket) return 0;
      let total = 0;
      for (const room of this.rooms.values()) {
        try {
          total += await this.catchUp(room, socket, why === 'reconnect');
        } catch {
          // The connection went away mid-resume; the next connect resumes again.
          return total;
        }
      }
      await this.retryFailed();
      return total;
    };
    const p = (this.resyncing ?? Promise.resolve()).then(run);
    const marker: Promise<void> = p.then(
      () => {
        if (this.resyncing === marker) this.resyncing = undefined;
      },
      () => {
        if (this.resyncing === marker) this.resyncing = undefined;
      },
    );
    this.resyncing = marker;
    return p;
  }

  /** Joins a room: recent history (or everything after `since`), members, who is typing. */
  async join(name: string, since?: string): Promise<RoomState> {
    const socket = this.requireSocket();
    const room = this.rooms.get(name) ?? new RoomState(name, this.opts.roomWindow);
    this.rooms.set(name, room);
    const position = since ? { since, ...(room.epoch ? { epoch: room.epoch } : {}) } : {};
    const res = await ackResult(socket, 'room:join', () =>
      this.timed(socket).emitWithAck('room:join', { room: name, ...position }),
    );
    if (!res.ok) {
      if (!room.based) this.rooms.delete(name);
      throw Object.assign(new Error(res.error.message), { code: res.error.code });
    }
    const { messages, members, memberCount, typing, lastSeq, truncated } = res.data;
    this.adoptEpoch(room, res.data.epoch);
    room.members = members;
    room.memberCount = memberCount;
    for (const u of typing) room.typing.set(u, Date.now() + TYPING_TTL_MS);
    if (!room.based) room.setBase(messages[0]?.seq ?? lastSeq + 1);
    if (truncated && messages[0]) {
      const gap = room.acceptGap(messages[0].seq);
      if (gap) this.emit('gap', name, gap);
    }
    room.joinedAfter = messages[messages.length - 1]?.id ?? since ?? '0-0';
    for (const m of messages) this.accept(room, m, false);
    if (res.data.hasMore) await this.catchUp(room, socket, false);
    this.takeHeld(room);
    this.emit('room', name);
    return room;
  }

  async leave(name: string): Promise<void> {
    const socket = this.requireSocket();
    const res = await ackResult(socket, 'room:leave', () =>
      this.timed(socket).emitWithAck('room:leave', { room: name }),
    );
    this.rooms.delete(name);
    if (!res.ok && res.error.code !== ErrorCode.NotMember) throw new Error(res.error.message);
  }

  /** Sends a message. It is pending until acked; if that fails it is retried with the same id. */
  send(room: string, text: string, kind: 'text' | 'action' = 'text'): Promise<OutgoingMessage> {
    const out: OutgoingMessage = {
      clientMsgId: newClientMsgId(),
      room,
      text,
      kind,
      state: 'pending',
      createdAt: Date.now(),
    };
    this.outgoing.set(out.clientMsgId, out);
    this.emit('outgoing', out);
    return this.transmit(out);
  }

  private async transmit(out: OutgoingMessage): Promise<OutgoingMessage> {
    const socket = this.socket;
    if (!socket?.connected || this.state.kind !== 'connected') {
      this.updateOutgoing(out, {
        state: 'failed',
        error: { code: ErrorCode.Unavailable, message: 'not connected; will retry' },
      });
      return out;
    }
    if (out.state !== 'pending') this.updateOutgoing(out, { state: 'pending' });
    const res = await ackResult(socket, 'message:send', () =>
      this.timed(socket).emitWithAck('message:send', {
        room: out.room,
        text: out.text,
        clientMsgId: out.clientMsgId,
        kind: out.kind,
      }),
    );
    if (res.ok) {
      this.updateOutgoing(out, { state: 'sent', id: res.data.id });
    } else {
      const retry =
        res.error.code === ErrorCode.Unavailable ||
        res.error.code === ErrorCode.RateLimited ||
        res.error.code === ErrorCode.Draining;
      this.updateOutgoing(out, { state: retry ? 'failed' : 'rejected', error: res.error });
      if (retry) this.scheduleRetry();
    }
    return out;
  }

  /** While connected, failed sends are tried again with a growing delay (1 s up to 15 s). */
  private scheduleRetry(): void {
    if (this.sendRetryTimer || this.closed) return;
    const delay = Math.min(15_000, 1000 * 2 ** this.sendRetries++);
    this.sendRetryTimer = setTimeout(() => {
      this.sendRetryTimer = undefined;
      if (this.connected) void this.retryFailed();
    }, delay);
    this.sendRetryTimer.unref();
  }

  /** Sends again every failed message (same client ids: the server stores each once). */
  async retryFailed(): Promise<void> {
    if ([...this.outgoing.values()].every((o) => o.state !== 'failed')) this.sendRetries = 0;
    for (const out of [...this.outgoing.values()]) {
      if (out.state === 'sent' && out.id) this.outgoing.delete(out.clientMsgId);
      else if (out.state === 'failed') await this.transmit(out);
    }
  }

  private updateOutgoing(out: OutgoingMessage, patch: Partial<OutgoingMessage>): void {
    Object.assign(out, patch);
    if (patch.state === 'sent') delete out.error;
    this.emit('outgoing', out);
  }

  async setTyping(room: string, typing: boolean): Promise<void> {
    const socket = this.socket;
    if (!socket?.connected) return;
    await ackResult(socket, 'typing:set', () =>
      this.timed(socket).emitWithAck('typing:set', { room, typing }),
    );
  }

  async listRooms(): Promise<RoomInfo[]> {
    const res = await ackResult(this.requireSocket(), 'room:list', () =>
      this.timed(this.requireSocket()).emitWithAck('room:list', {}),
    );
    if (!res.ok) throw new Error(res.error.message);
    return res.data.rooms;
  }

  /** Loads a page of older messages into the room (scrolling back); returns how many. */
  async loadOlder(name: string, limit = 100): Promise<number> {
    const room = this.rooms.get(name);
    const oldest = room?.messages[0];
    if (!room || !oldest) return 0;
    const res = await ackResult(this.requireSocket(), 'room:history', () =>
      this.timed(this.requireSocket()).emitWithAck('room:history', {
        room: name,
        before: oldest.id,
        limit,
      }),
    );
    if (!res.ok) throw new Error(res.error.message);
    // Older than the window: put in front of it (not through `accept`, whose dedupe by seq
    // would take them for messages already seen).
    const taken = room.insertOlder(res.data.messages);
    for (const m of taken) this.emit('message', m);
    this.emit('room', name);
    return taken.length;
  }

  /**
   * The socket whose next `emitWithAck` waits `ackTimeoutMs` for its ack. `timeout()` types
   * every ack as `(err, res)`, and 4.8's `emitWithAck` then types the answer `unknown`; the
   * promise resolves with the answer alone either way, so the plain event map types it.
   */
  private timed(socket: ClientSocket): ClientSocket {
    return socket.timeout(this.opts.ackTimeoutMs);
  }

  private requireSocket(): ClientSocket {
    if (!this.socket?.connected)
      throw Object.assign(new Error('not connected'), { code: ErrorCode.Unavailable });
    return this.socket;
  }

  /** Waits until no resume is in progress (tests and the load tester use it). */
  async settled(): Promise<void> {
    while (this.resyncing) await this.resyncing;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.sendRetryTimer);
    clearInterval(this.pingTimer);
    this.socket?.removeAllListeners();
    this.socket?.close();
    this.setState({ kind: 'ended', reason: 'closed', message: 'closed' });
  }
}
