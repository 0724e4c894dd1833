import type {
  ChatClientEvents,
  ConnectionState,
  OutgoingMessage,
} from '../../src/client/chat-client.js';
import { Emitter } from '../../src/client/emitter.js';
import { RoomState } from '../../src/client/room-state.js';
import type { ChatPort } from '../../src/cli/tui/state/chat-port.js';
import {
  compareIds,
  type AwayState,
  type ChatMessage,
  type MarkUpdate,
  type MarksSummary,
  type RoomInfo,
  type SearchResult,
  type SendResult,
  type Welcome,
} from '../../src/protocol/index.js';

/** A fixed clock: 23 Nov 2026 14:00 UTC. */
export const T0 = Date.UTC(2026, 10, 23, 14, 0, 0);

/**
 * A stand-in for ChatClient in view tests: rooms are filled by hand and every action is
 * recorded, so a test can drive any screen state (any connection state, any hostile text).
 */
export class FakeChat extends Emitter<ChatClientEvents> implements ChatPort {
  readonly rooms = new Map<string, RoomState>();
  readonly outgoing = new Map<string, OutgoingMessage>();
  state: ConnectionState = {
    kind: 'connected',
    server: 'http://127.0.0.1:3000',
    instanceId: 'chat-1',
    bootId: 'b1',
  };
  welcome: Welcome | undefined = {
    user: 'me',
    instanceId: 'chat-1',
    bootId: 'b1',
    serverTime: T0,
    pingIntervalMs: 25_000,
  };
  rttMs: number | undefined = 1.5;
  readonly server = 'http://127.0.0.1:3000';
  readonly sent: { room: string; text: string; kind: string }[] = [];
  readonly typingCalls: boolean[] = [];
  /** Every `setTyping`, as `room:on` or `room:off`. */
  readonly typingLog: string[] = [];
  roomList: RoomInfo[] = [];
  /** What a send is at first: pending (until settled), or failed (not connected, limited). */
  sendState: 'pending' | 'failed' = 'pending';
  /**
   * Whether a pending send's promise waits for its answer ({@link settle}), as the real
   * client's does; by default it resolves at once.
   */
  answerOnSettle = false;
  private readonly answers = new Map<string, () => void>();
  private seq = new Map<string, number>();
  private n = 0;

  fire<K extends keyof ChatClientEvents>(event: K, ...args: ChatClientEvents[K]): void {
    this.emit(event, ...args);
  }

  setState(s: ConnectionState): void {
    this.state = s;
    this.emit('state', s);
  }

  /** Rooms whose join fails, with the server's error message. */
  readonly refuse = new Map<string, string>();
  /** What `marks:fetch` answers (nothing kept, nothing unread unless a test says so). */
  marks: MarksSummary = { rooms: [], unread: [], mentions: [] };
  /** When set, what `marks:fetch` answers for the users the client asked to leave out. */
  marksFor: ((ignore: readonly string[]) => MarksSummary | Promise<MarksSummary>) | undefined;
  /** `marks:fetch` fails with this message. */
  marksError: string | undefined;
  /** The server's read markers, as joins tell them. */
  readonly readTo = new Map<string, string>();
  /** Every `marks:set`, as `room id`; and every join, as `room` (`+` when kept). */
  readonly markLog: string[] = [];
  readonly joinLog: string[] = [];

  join(name: string, _since?: string, opts: { remember?: boolean } = {}): Promise<RoomState> {
    this.joinLog.push(`${name}${opts.remember ? '+' : ''}`);
    const refused = this.refuse.get(name);
    if (refused) return Promise.reject(new Error(refused));
    const room = this.rooms.get(name) ?? new RoomState(name);
    room.readTo = this.readTo.get(name);
    if (!room.based) room.setBase(1);
    room.members = ['me', ...room.members.filter((m) => m !== 'me')];
    this.rooms.set(name, room);
    this.emit('room', name);
    return Promise.resolve(room);
  }

  leave(name: string): Promise<void> {
    this.rooms.delete(name);
    return Promise.resolve();
  }

  send(room: string, text: string, kind: 'text' | 'action' = 'text'): Promise<OutgoingMessage> {
    this.sent.push({ room, text, kind });
    const out: OutgoingMessage = {
      clientMsgId: `cm${++this.n}xxxxxx`,
      room,
      text,
      kind,
      state: this.sendState,
      createdAt: T0 + this.n * 1000,
    };
    this.outgoing.set(out.clientMsgId, out);
    this.emit('outgoing', out);
    if (this.answerOnSettle && out.state === 'pending') {
      return new Promise((resolve) => this.answers.set(out.clientMsgId, () => resolve(out)));
    }
    return Promise.resolve(out);
  }

  /** Marks a pending send as failed or acked (and, acked, delivers it to its room). */
  settle(out: OutgoingMessage, state: 'failed' | 'sent' | 'rejected'): void {
    out.state = state;
    if (state === 'sent') {
      const m = this.deliver(out.room, 'me', out.text, {
        clientMsgId: out.clientMsgId,
        live: false,
      });
      out.id = m.id;
    }
    this.emit('outgoing', out);
    this.answers.get(out.clientMsgId)?.();
    this.answers.delete(out.clientMsgId);
  }

  setTyping(room: string, typing: boolean): Promise<void> {
    this.typingCalls.push(typing);
    this.typingLog.push(`${room}:${typing ? 'on' : 'off'}`);
    return Promise.resolve();
  }

  listRooms(): Promise<RoomInfo[]> {
    return Promise.resolve(this.roomList);
  }

  loadOlder(): Promise<number> {
    return Promise.resolve(0);
  }

  fetchMarks(ignore: readonly string[] = []): Promise<MarksSummary> {
    if (this.marksError) return Promise.reject(new Error(this.marksError));
    return Promise.resolve(this.marksFor ? this.marksFor(ignore) : this.marks);
  }

  markRead(room: string, id: string): Promise<MarkUpdate> {
    this.markLog.push(`${room} ${id}`);
    const cur = this.readTo.get(room);
    if (cur === undefined || compareIds(cur, id) < 0) this.readTo.set(room, id);
    return Promise.resolve({ room, id: this.readTo.get(room)! });
  }

  /** Every edit and delete asked for (`text` undefined: a delete). */
  readonly changes: { room: string; id: string; text?: string }[] = [];
  /** Refuses edits and deletes with this message (as the server's `forbidden` would). */
  refuseChange: string | undefined;

  edit(room: string, id: string, text: string): Promise<SendResult> {
    this.changes.push({ room, id, text });
    return this.storeChange(room, id, 'edit', text);
  }

  remove(room: string, id: string): Promise<SendResult> {
    this.changes.push({ room, id });
    return this.storeChange(room, id, 'delete', '');
  }

  /** As the server does: the change comes back live, as a history entry of its own. */
  private storeChange(
    room: string,
    ref: string,
    kind: 'edit' | 'delete',
    text: string,
  ): Promise<SendResult> {
    if (this.refuseChange) return Promise.reject(new Error(this.refuseChange));
    const m = this.deliver(room, this.welcome?.user ?? 'me', text, { kind, ref, live: false });
    return Promise.resolve({ id: m.id, seq: m.seq, ts: m.ts, epoch: 'e1', duplicate: false });
  }

  /** Answers `search` gives, one per call (then nothing found), and the calls made. */
  searchAnswers: Omit<SearchResult, 'room'>[] = [];
  readonly searches: { room: string; text: string; before?: string }[] = [];

  search(room: string, text: string, before?: string): Promise<SearchResult> {
    this.searches.push(before === undefined ? { room, text } : { room, text, before });
    const answer = this.searchAnswers.shift() ?? { hits: [], scanned: 0 };
    return Promise.resolve({ room, ...answer });
  }

  /** What `loadAround` brings into a room (history older than the window, say). */
  readonly around = new Map<string, ChatMessage[]>();

  fillUnloaded(): Promise<number> {
    return Promise.resolve(0);
  }

  loadAround(room: string, id: string): Promise<boolean> {
    const r = this.rooms.get(room);
    if (!r) return Promise.resolve(false);
    r.insertOlder(this.around.get(room) ?? []);
    this.emit('room', room);
    return Promise.resolve(r.has(id));
  }

  /** Away messages the server keeps, by user; `away:get` calls, as the users asked about. */
  readonly awayStates = new Map<string, AwayState>();
  readonly awayAsked: string[][] = [];
  /** `away:set` and `away:get` fail with this message. */
  awayError: string | undefined;

  setAway(message: string | undefined): Promise<AwayState | null> {
    if (this.awayError) return Promise.reject(new Error(this.awayError));
    const user = this.welcome?.user ?? 'me';
    if (!message) {
      this.awayStates.delete(user);
      return Promise.resolve(null);
    }
    const state = { user, message, since: this.awayStates.get(user)?.since ?? T0 };
    this.awayStates.set(user, state);
    return Promise.resolve(state);
  }

  fetchAway(users: string[]): Promise<AwayState[]> {
    this.awayAsked.push(users);
    if (this.awayError) return Promise.reject(new Error(this.awayError));
    return Promise.resolve(users.flatMap((u) => this.awayStates.get(u) ?? []));
  }

  /** A reconnect's resume, while one is under way ({@link resumeUntil}). */
  private resuming: Promise<void> | undefined;

  /** Until `done` resolves, the client is catching up on what a reconnect missed. */
  resumeUntil(done: Promise<void>): void {
    this.resuming = done;
  }

  settled(): Promise<void> {
    return this.resuming ?? Promise.resolve();
  }

  close(): void {
    this.setState({ kind: 'ended', reason: 'closed', message: 'closed' });
  }

  /**
   * What ChatClient does when someone writes to us in a direct conversation we had not
   * joined: it joins it (history included, the new messages unread), then says `opened`.
   */
  openedBy(
    peer: string,
    texts: string[],
    /** Earlier messages, in the history the join brings, read; `texts` are new (unread). */
    opts: { before?: [from: string, text: string][] } = {},
  ): void {
    const address = `@${peer}`;
    const room = new RoomState(address);
    room.setBase(1);
    room.members = ['me', peer];
    this.rooms.set(address, room);
    for (const [from, text] of opts.before ?? [])
      this.deliver(address, from, text, { silent: true, live: false });
    for (const text of texts) this.deliver(address, peer, text, { silent: true, live: true });
    this.emit('room', address);
    this.emit('opened', address);
  }

  /** A message arriving in a room (live ones count as unread). */
  deliver(
    room: string,
    from: string,
    text: string,
    opts: {
      kind?: ChatMessage['kind'];
      ts?: number;
      live?: boolean;
      clientMsgId?: string;
      /** Unread but not announced (part of a join's answer): no `message` event. */
      silent?: boolean;
      /** An edit or delete: the id of the message it changes. */
      ref?: string;
    } = {},
  ): ChatMessage {
    const r = this.rooms.get(room);
    if (!r) throw new Error(`not in ${room}`);
    const seq = (this.seq.get(room) ?? 0) + 1;
    this.seq.set(room, seq);
    const ts = opts.ts ?? T0 + seq * 60_000;
    const m: ChatMessage = {
      id: `${ts}-${seq}`,
      seq,
      room,
      from,
      text,
      ts,
      kind: opts.kind ?? 'text',
      ...(opts.clientMsgId ? { clientMsgId: opts.clientMsgId } : {}),
      ...(opts.ref ? { ref: opts.ref } : {}),
    };
    r.insert(m);
    if (opts.live !== false) r.unread++;
    if (opts.silent) return m;
    this.emit('message', m);
    this.emit('room', room);
    return m;
  }
}
