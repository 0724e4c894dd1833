import { randomBytes } from 'node:crypto';
import {
  compareIds,
  type ChatMessage,
  type SearchResult,
  type SendResult,
} from '../protocol/index.js';
import { chatAck, paced } from './ack.js';
import type { Connection } from './connection.js';
import type { RoomState } from './room-state.js';
import type { ClientSocket, Emit } from './types.js';

/** How many messages `loadAround` fetches on each side of the one it shows. */
export const AROUND_PAGE = 25;

/** How many messages one step of filling a place not loaded reads (see `fillUnloaded`). */
export const FILL_PAGE = 50;

/** An error with the server's code (`forbidden`, `not_found`, ...), for callers to act on. */
function failed(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The smallest id after `id`: a `before` bound that includes `id` itself. */
export function idAfter(id: string): string {
  const [ms, n] = id.split('-') as [string, string];
  return `${ms}-${(BigInt(n) + 1n).toString()}`;
}

/**
 * What a client asks about messages besides sending them: edit and delete its own (the
 * change comes back as a history entry, live to every client and in every resume, and the
 * room applies it in place), search a room's kept history, and load the history around a
 * message found (older than the window, perhaps).
 */
export class ChangeOps {
  /** Places being filled now (`room afterSeq`): one read each at a time. */
  private readonly filling = new Set<string>();

  constructor(
    private readonly rooms: Map<string, RoomState>,
    private readonly conn: Connection,
    private readonly emit: Emit,
  ) {}

  /** Replaces the text of one of our messages; throws with the server's code if refused. */
  edit(room: string, id: string, text: string): Promise<SendResult> {
    return this.change(room, id, text);
  }

  /** Deletes one of our messages; throws with the server's code if refused. */
  remove(room: string, id: string): Promise<SendResult> {
    return this.change(room, id, undefined);
  }

  private async change(room: string, id: string, text: string | undefined): Promise<SendResult> {
    const socket = this.conn.requireSocket();
    // One id for the request: if its answer is lost, asking again stores nothing twice.
    const clientMsgId = randomBytes(12).toString('base64url');
    const res =
      text === undefined
        ? await chatAck(socket, 'message:delete', () =>
            this.conn.timed(socket).emitWithAck('message:delete', { room, id, clientMsgId }),
          )
        : await chatAck(socket, 'message:edit', () =>
            this.conn.timed(socket).emitWithAck('message:edit', { room, id, text, clientMsgId }),
          );
    if (!res.ok) throw failed(res.error.message, res.error.code);
    return res.data;
  }

  /** One bounded step of a search of the room's kept history, newest first. */
  async search(room: string, text: string, before?: string): Promise<SearchResult> {
    const socket = this.conn.requireSocket();
    const payload = before === undefined ? { room, text } : { room, text, before };
    // A user's searches read a budget of entries a second on each instance: a step past it
    // is told `rate_limited`, and asked again, paced.
    const res = await paced(
      () =>
        chatAck(socket, 'room:search', () =>
          this.conn.timed(socket).emitWithAck('room:search', payload),
        ),
      () => this.conn.socket !== socket,
    );
    if (!res.ok) throw failed(res.error.message, res.error.code);
    return res.data;
  }

  /**
   * Makes the room hold the message `id` and a few on each side of it, loading them from
   * history if the window does not have it (older than the window: kept in front of it,
   * as pages loaded by scrolling back are). When what follows does not reach the window,
   * a marker stands where messages were not loaded. True when the room holds `id` now.
   */
  async loadAround(name: string, id: string): Promise<boolean> {
    const room = this.rooms.get(name);
    if (!room) return false;
    if (room.has(id)) return true;
    const socket = this.conn.requireSocket();
    const windowFirst = room.messages[0];
    const [upTo, after] = await Promise.all([
      this.read(socket, room, { before: idAfter(id) }, AROUND_PAGE),
      this.read(socket, room, { since: id }, AROUND_PAGE),
    ]);
    room.insertOlder([...upTo, ...after]);
    const last = after.at(-1) ?? upTo.at(-1);
    if (last && windowFirst && compareIds(last.id, windowFirst.id) < 0) {
      room.markUnloaded(last.seq, windowFirst.seq);
    }
    this.emit('room', name);
    return room.has(id);
  }

  /**
   * Loads one page of a place in the room's history marked not loaded (between history loaded
   * around a search hit and what the room held), from the side the user comes from: `newer`
   * reads back from the message after it (scrolling up), `older` on from the one before it
   * (scrolling down). The mark shrinks, or goes once nothing is left. Returns the messages
   * taken; 0 when there is no such place or it is being filled already.
   */
  async fillUnloaded(name: string, afterSeq: number, side: 'older' | 'newer'): Promise<number> {
    const room = this.rooms.get(name);
    const gap = room?.gaps.find((g) => g.unloaded && g.afterSeq === afterSeq);
    const key = `${name} ${afterSeq}`;
    if (!room || !gap || this.filling.has(key)) return 0;
    const list = room.messages;
    const after = list.find((m) => m.seq > afterSeq + gap.missing);
    const before = list.findLast((m) => m.seq <= afterSeq);
    const q =
      side === 'newer' && after
        ? { before: after.id }
        : before
          ? { since: before.id }
          : after && { before: after.id };
    if (!q) return 0;
    this.filling.add(key);
    try {
      const page = await this.read(this.conn.requireSocket(), room, q, FILL_PAGE);
      const taken = room.insertOlder(page);
      this.emit('room', name);
      return taken.length;
    } finally {
      this.filling.delete(key);
    }
  }

  /** A page of the room's history before or after an id, in the epoch the room holds. */
  private async read(
    socket: ClientSocket,
    room: RoomState,
    q: { before: string } | { since: string },
    limit: number,
  ): Promise<ChatMessage[]> {
    const res = await chatAck(socket, 'room:history', () =>
      this.conn.timed(socket).emitWithAck('room:history', {
        room: room.name,
        ...q,
        limit,
        ...(room.epoch ? { epoch: room.epoch } : {}),
      }),
    );
    if (!res.ok) throw failed(res.error.message, res.error.code);
    // Another epoch: those ids are not this room's any more.
    if (res.data.unrecoverable) throw failed('the room was reset meanwhile', 'not_found');
    return res.data.messages;
  }
}
