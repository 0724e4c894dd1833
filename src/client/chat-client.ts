import type {
  AwayState,
  MarkUpdate,
  MarksSummary,
  Welcome,
  RoomInfo,
  SearchResult,
  SendResult,
} from '../protocol/index.js';
import { ChangeOps } from './change-ops.js';
import { Connection } from './connection.js';
import { Emitter } from './emitter.js';
import { onServerEvent } from './listen.js';
import { Outbox } from './outbox.js';
import { ReadMarks } from './read-marks.js';
import { AwayMessages } from './away.js';
import { ROOM_WINDOW_DEFAULT, type RoomState } from './room-state.js';
import { RoomOps } from './room-ops.js';
import { Resume } from './resume.js';
import type {
  ChatClientEvents,
  ChatClientOptions,
  ConnectionState,
  Emit,
  OutgoingMessage,
} from './types.js';

export type { ChatClientEvents, ChatClientOptions, ConnectionState, OutgoingMessage };

/**
 * A chat client with no UI: it connects, reconnects on its own (rotating servers, jittered
 * backoff), moves at once when its instance drains, resumes every room from the last message
 * it holds without gaps, and keeps each room's messages in id order, each once. The TUI, the
 * load tester and the tests all drive this same class.
 *
 * It only wires its parts: the connection (`connection.ts`), the resume of rooms
 * (`resume.ts`), the outbox of our messages (`outbox.ts`) and room operations (`room-ops.ts`).
 */
export class ChatClient extends Emitter<ChatClientEvents> {
  readonly rooms = new Map<string, RoomState>();
  readonly outgoing: Map<string, OutgoingMessage>;
  private readonly conn: Connection;
  private readonly outbox: Outbox;
  private readonly resume: Resume;
  private readonly ops: RoomOps;
  private readonly changes: ChangeOps;
  private readonly marks: ReadMarks;
  private readonly awayMessages: AwayMessages;

  constructor(opts: ChatClientOptions) {
    super();
    if (opts.servers.length === 0) throw new Error('ChatClient needs at least one server URL');
    const full: Required<ChatClientOptions> = {
      transports: ['websocket'],
      backoffMinMs: 300,
      backoffMaxMs: 10_000,
      ackTimeoutMs: 5000,
      pingEveryMs: 5000,
      roomWindow: ROOM_WINDOW_DEFAULT,
      openDirects: false,
      ...opts,
    };
    const emit: Emit = (event, ...args) => this.emit(event, ...args);
    this.conn = new Connection(full, emit, {
      listen: (socket) => {
        // Every payload is checked against the protocol's schema before it is acted on.
        onServerEvent(socket, 'message:created', (m) => this.resume.onMessage(m));
        onServerEvent(socket, 'presence:updated', (p) => this.ops.onPresence(p));
        onServerEvent(socket, 'typing:updated', (t) => this.ops.onTyping(t));
        onServerEvent(socket, 'notice:created', (n) => this.emit('notice', n));
        onServerEvent(socket, 'sync:required', () => void this.resume.resync('sync'));
        onServerEvent(socket, 'marks:updated', ({ room, id }) => this.emit('mark', room, id));
        if (full.openDirects)
          onServerEvent(socket, 'direct:opened', (d) => void this.ops.onDirectOpened(d));
      },
      resume: () => {
        // A typing mark heard on the lost connection may have missed its "stopped": forget
        // them; whoever types now says so again on this one.
        for (const room of this.rooms.values()) room.typing.clear();
        return this.resume.resync('reconnect');
      },
      ended: (why) => this.outbox.failPending(why),
    });
    this.outbox = new Outbox(this.conn, emit, (room) => this.resume.isRejoining(room));
    this.outgoing = this.outbox.outgoing;
    this.resume = new Resume(this.rooms, this.conn, this.outbox, emit);
    this.ops = new RoomOps(this.rooms, this.conn, this.resume, emit, full.roomWindow);
    this.changes = new ChangeOps(this.rooms, this.conn, emit);
    this.marks = new ReadMarks(this.conn);
    this.awayMessages = new AwayMessages(this.conn);
  }

  get state(): ConnectionState {
    return this.conn.state;
  }

  get welcome(): Welcome | undefined {
    return this.conn.welcome;
  }

  get rttMs(): number | undefined {
    return this.conn.rttMs;
  }

  /** Reconnects so far (successful ones). */
  get reconnects(): number {
    return this.conn.reconnects;
  }

  get server(): string {
    return this.conn.server;
  }

  get connected(): boolean {
    return this.conn.connected;
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
      this.conn.open();
    });
  }

  /**
   * Joins a room: recent history (or everything after `since`), members, who is typing, the
   * user's read marker. `remember`: the server keeps the room for the user's next start.
   */
  join(name: string, since?: string, opts: { remember?: boolean } = {}): Promise<RoomState> {
    return this.ops.join(name, since, opts);
  }

  leave(name: string): Promise<void> {
    return this.ops.leave(name);
  }

  /** Sends a message. It is pending until acked; if that fails it is retried with the same id. */
  send(room: string, text: string, kind: 'text' | 'action' = 'text'): Promise<OutgoingMessage> {
    return this.outbox.send(room, text, kind);
  }

  /**
   * Replaces the text of one of our messages (by id): every client shows it edited, in
   * place. Throws with the server's `code` when refused (`forbidden`, `not_found`, ...).
   */
  edit(room: string, id: string, text: string): Promise<SendResult> {
    return this.changes.edit(room, id, text);
  }

  /** Deletes one of our messages (by id): every client shows "message deleted" in its place. */
  remove(room: string, id: string): Promise<SendResult> {
    return this.changes.remove(room, id);
  }

  /** One bounded step of a search of a room's kept history, newest first (`before`: go on). */
  search(room: string, text: string, before?: string): Promise<SearchResult> {
    return this.changes.search(room, text, before);
  }

  /** Loads the history around a message into the room (a search hit); true if held then. */
  loadAround(room: string, id: string): Promise<boolean> {
    return this.changes.loadAround(room, id);
  }

  /** Loads a page of a place marked not loaded in the room, from the side the user comes from. */
  fillUnloaded(room: string, afterSeq: number, side: 'older' | 'newer'): Promise<number> {
    return this.changes.fillUnloaded(room, afterSeq, side);
  }

  /** Sends again every failed message (same client ids: the server stores each once). */
  retryFailed(): Promise<void> {
    return this.outbox.retryFailed();
  }

  setTyping(room: string, typing: boolean): Promise<void> {
    return this.ops.setTyping(room, typing);
  }

  listRooms(): Promise<RoomInfo[]> {
    return this.ops.listRooms();
  }

  /** Loads a page of older messages into the room (scrolling back); returns how many. */
  loadOlder(name: string, limit = 100): Promise<number> {
    return this.ops.loadOlder(name, limit);
  }

  /**
   * Where the user stands on the server: rooms to open, unread rooms and mentions, the messages
   * of `ignore` (users this client hides) not counted.
   */
  fetchMarks(ignore: readonly string[] = []): Promise<MarksSummary> {
    return this.marks.fetch(ignore);
  }

  /** Sets the user's away message (`/away`), or clears it (undefined or empty: back). */
  setAway(message: string | undefined): Promise<AwayState | null> {
    return this.awayMessages.set(message);
  }

  /** Which of `users` are away, with their messages. */
  fetchAway(users: string[]): Promise<AwayState[]> {
    return this.awayMessages.get(users);
  }

  /** Tells the server the user has seen `room` up to `id`; answers the marker in force. */
  markRead(room: string, id: string): Promise<MarkUpdate> {
    return this.marks.set(room, id);
  }

  /** Waits until no resume is in progress (what a reconnect recovers has all come back). */
  settled(): Promise<void> {
    return this.resume.settled();
  }

  close(): void {
    this.outbox.stop();
    this.conn.close();
  }
}
