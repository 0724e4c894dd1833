import {
  ErrorCode,
  compareIds,
  TYPING_TTL_MS,
  type RoomInfo,
  type ServerToClientEvents,
} from '../protocol/index.js';
import { chatAck, paced } from './ack.js';
import type { Connection } from './connection.js';
import { readPage } from './delivery/pages.js';
import type { Resume } from './resume.js';
import { RoomState } from './room-state.js';
import type { Emit } from './types.js';

type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/** What a client asks of rooms (join, leave, list, scroll back, typing) and what it hears of them. */
export class RoomOps {
  constructor(
    private readonly rooms: Map<string, RoomState>,
    private readonly conn: Connection,
    private readonly resume: Resume,
    private readonly emit: Emit,
    private readonly roomWindow: number,
  ) {}

  /** Joins a room: recent history (or everything after `since`), members, who is typing. */
  async join(name: string, since?: string, opts: { remember?: boolean } = {}): Promise<RoomState> {
    const socket = this.conn.requireSocket();
    const room = this.rooms.get(name) ?? new RoomState(name, this.roomWindow);
    this.rooms.set(name, room);
    const position = since ? { since, ...(room.epoch ? { epoch: room.epoch } : {}) } : {};
    const remember = opts.remember ? { remember: true } : {};
    const res = await paced(
      () =>
        chatAck(socket, 'room:join', () =>
          this.conn
            .timed(socket)
            .emitWithAck('room:join', { room: name, ...position, ...remember }),
        ),
      () => this.conn.socket !== socket,
    );
    if (!res.ok) {
      if (!room.based) this.rooms.delete(name);
      throw Object.assign(new Error(res.error.message), { code: res.error.code });
    }
    const { messages, members, memberCount, typing } = res.data;
    room.members = members;
    room.memberCount = memberCount;
    for (const u of typing) room.typing.set(u, Date.now() + TYPING_TTL_MS);
    readPage(this.resume, room, res.data, true, since ?? '0-0');
    // Nothing after `since` (in the room's epoch): `since` is where the room is.
    if (since && messages.length === 0 && !res.data.unrecoverable) {
      room.placeAt(res.data.lastSeq, since);
    }
    room.joinedAfter = messages[messages.length - 1]?.id ?? since ?? '0-0';
    room.readTo = res.data.readTo;
    if (res.data.hasMore) await this.resume.catchUp(room, socket, false, false);
    this.resume.takeHeld(room);
    this.emit('room', name);
    return room;
  }

  async leave(name: string): Promise<void> {
    const socket = this.conn.requireSocket();
    const res = await chatAck(socket, 'room:leave', () =>
      this.conn.timed(socket).emitWithAck('room:leave', { room: name }),
    );
    this.rooms.delete(name);
    if (!res.ok && res.error.code !== ErrorCode.NotMember) throw new Error(res.error.message);
  }

  async setTyping(room: string, typing: boolean): Promise<void> {
    const socket = this.conn.socket;
    if (!socket?.connected) return;
    await chatAck(socket, 'typing:set', () =>
      this.conn.timed(socket).emitWithAck('typing:set', { room, typing }),
    );
  }

  async listRooms(): Promise<RoomInfo[]> {
    const res = await chatAck(this.conn.requireSocket(), 'room:list', () =>
      this.conn.timed(this.conn.requireSocket()).emitWithAck('room:list', {}),
    );
    if (!res.ok) throw new Error(res.error.message);
    return res.data.rooms;
  }

  /** Loads a page of older messages into the room (scrolling back); returns how many. */
  async loadOlder(name: string, limit: number): Promise<number> {
    const room = this.rooms.get(name);
    const oldest = room?.messages[0];
    if (!room || !oldest) return 0;
    const epoch = room.epoch;
    const res = await chatAck(this.conn.requireSocket(), 'room:history', () =>
      this.conn.timed(this.conn.requireSocket()).emitWithAck('room:history', {
        room: name,
        before: oldest.id,
        limit,
        ...(epoch !== undefined ? { epoch } : {}),
      }),
    );
    if (!res.ok) throw new Error(res.error.message);
    // The room's history was reset on the server (this answer is its newest page instead), or
    // here while it was asked: its messages do not go before this window's.
    if (res.data.unrecoverable || res.data.epoch !== room.epoch) return 0;
    // Older than the window: put in front of it (not through `accept`, whose dedupe by seq
    // would take them for messages already seen).
    const taken = room.insertOlder(res.data.messages);
    for (const m of taken) this.emit('message', m);
    this.emit('room', name);
    return taken.length;
  }

  /**
   * Someone wrote in a direct conversation not joined here: join it (history included), so
   * it shows up unread without the user asking. A join already under way covers it.
   */
  async onDirectOpened({ room, from, id }: Payload<'direct:opened'>): Promise<void> {
    if (this.rooms.has(room)) return;
    try {
      const state = await this.join(room);
      // The join brought the new message(s) as history: they are unread all the same (but
      // not what this user wrote from another client).
      const self = this.conn.welcome?.user;
      state.unread += state.messages.filter(
        (m) => compareIds(m.id, id) >= 0 && m.from !== self,
      ).length;
      this.emit('opened', room);
    } catch (err) {
      this.emit(
        'status',
        `${from} wrote to you, but the conversation could not be opened: ${(err as Error).message}`,
      );
    }
  }

  /** Who is in a room now, as the server announced it. */
  onPresence({ room, members, count }: Payload<'presence:updated'>): void {
    const r = this.rooms.get(room);
    if (!r) return;
    r.members = members;
    r.memberCount = count;
    this.emit('room', room);
  }

  /** Someone started or stopped typing in a room. */
  onTyping({ room, user, typing }: Payload<'typing:updated'>): void {
    const r = this.rooms.get(room);
    if (!r) return;
    if (typing) r.typing.set(user, Date.now() + TYPING_TTL_MS);
    else r.typing.delete(user);
    this.emit('room', room);
  }
}
