import type { RoomState } from '../../../client/room-state.js';
import { compareIds } from '../../../protocol/index.js';
import type { ChatPort } from './chat-port.js';
import { clock } from './entries.js';
import { unreadTail } from './unread-tail.js';

/** How often a room's read marker is sent at most while new messages keep arriving in view. */
export const MARK_EVERY_MS = 1000;

/**
 * Markers sent at once at most; the rest go a {@link MARK_EVERY_MS} later. A start with many
 * rooms marks each of them: all at once would spend the socket's whole request budget (the
 * server's rate limit) and have the rest refused.
 */
export const MARKS_PER_SEND = 8;

/** Where the unread-marker line stands in a room's pane. */
export interface MarkerLine {
  /** The last message read: the line is drawn after it (undefined: before every message held). */
  after: string | undefined;
  /** What it says: `new since 14:02`. */
  label: string;
}

const msOf = (id: string): number => Number(id.split('-')[0]);

/**
 * The user's read markers as the terminal client keeps them: the server's marker per room
 * (from join answers and the user's other clients), the marker sent when a room in view has
 * new messages (at most once a {@link MARK_EVERY_MS} per room), and the unread-marker line of
 * each room, fixed when the user comes to the room and kept while it is in view, as weechat
 * does: it goes once they move on and come back having read.
 */
export class ReadMarkers {
  /** Room -> the server's marker as last heard (or sent). */
  private readonly known = new Map<string, string>();
  /** Room -> a marker waiting to be sent. */
  private readonly pending = new Map<string, string>();
  /** Room -> the line drawn on this visit. */
  private readonly lines = new Map<string, MarkerLine | undefined>();
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly client: Pick<ChatPort, 'markRead' | 'rooms'>,
    private readonly everyMs = MARK_EVERY_MS,
  ) {}

  /** The server's marker in a room, as this client knows it. */
  get(room: string): string | undefined {
    return this.known.get(room);
  }

  /** A marker heard from the server (a join answer, another client): the further one holds. */
  heard(room: string, id: string | undefined): void {
    if (id === undefined) return;
    const cur = this.known.get(room);
    if (cur === undefined || compareIds(id, cur) > 0) this.known.set(room, id);
  }

  /**
   * The user has the room in view: its newest message is read. Sent after a moment (new
   * messages keep coming while a room is in view), or at once with `now`.
   */
  seen(room: string, now = false): void {
    const newest = this.client.rooms.get(room)?.messages.at(-1)?.id;
    const cur = this.pending.get(room) ?? this.known.get(room);
    if (newest !== undefined && (cur === undefined || compareIds(newest, cur) > 0)) {
      this.pending.set(room, newest);
    }
    if (now) this.flush();
    else this.schedule();
  }

  /**
   * Sends the markers waiting ({@link MARKS_PER_SEND} at once, the rest later). One the
   * server refuses is dropped; one not sent (no connection, no answer, rate limited) is kept.
   */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [room, id] of [...this.pending].slice(0, MARKS_PER_SEND)) {
      this.pending.delete(room);
      this.heard(room, id);
      this.client.markRead(room, id).then(
        (mark) => this.heard(mark.room, mark.id),
        (err: unknown) => {
          // Not connected or no answer: sent again with the next one. Refused (the message is
          // no longer kept, the room was left): nothing to send.
          const code = (err as { code?: string }).code;
          if ((code === 'unavailable' || code === 'rate_limited') && !this.pending.has(room)) {
            this.pending.set(room, id);
            // Limited: again in a moment. Not connected: with the next marker (the room in
            // view gets what was missed once the connection is back).
            if (code === 'rate_limited') this.schedule();
          }
        },
      );
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.pending.size === 0 || this.timer || this.disposed) return;
    this.timer = setTimeout(() => this.flush(), this.everyMs);
    this.timer.unref();
  }

  /**
   * The user comes to a room: the line is put after the last message read (the server's
   * marker, or before the `unread` newest held), and stays until the next visit. No line when
   * nothing is unread.
   */
  enter(room: string, state: RoomState | undefined, user?: string): void {
    this.lines.set(room, state ? this.place(room, state, user) : undefined);
  }

  /** The line of the room on this visit, if any. */
  line(room: string): MarkerLine | undefined {
    return this.lines.get(room);
  }

  /** The user left the room for good: forget it. */
  drop(room: string): void {
    this.known.delete(room);
    this.pending.delete(room);
    this.lines.delete(room);
  }

  /** The store is going away: what waits is sent now (as much as one send takes), no timer. */
  dispose(): void {
    this.disposed = true;
    this.flush();
  }

  private place(room: string, state: RoomState, user: string | undefined): MarkerLine | undefined {
    const list = state.messages;
    if (state.unread <= 0 || list.length === 0) return undefined;
    const mark = this.known.get(room);
    // The marker, where the window holds it and something follows it.
    if (mark !== undefined && state.has(mark) && compareIds(list.at(-1)!.id, mark) > 0) {
      return { after: mark, label: `new since ${clock(msOf(mark))}` };
    }
    const tail = unreadTail(list, state.unread, user);
    if (tail.all && tail.from > 0) {
      const after = list[tail.from - 1]!;
      return { after: after.id, label: `new since ${clock(after.ts)}` };
    }
    // Every message held is unread: the line tops them, from the marker's time if known. It
    // stands after the marker all the same: once scrolling back loads the messages read before
    // it, it is drawn where reading stopped, not above them.
    if (mark !== undefined && compareIds(list[0]!.id, mark) > 0) {
      return { after: mark, label: `new since ${clock(msOf(mark))}` };
    }
    return { after: undefined, label: 'new messages' };
  }
}

/**
 * How many of a room's messages held come after a marker, the user's own and deleted ones left
 * out; undefined when the window does not reach back to the marker (it cannot tell).
 */
export function unreadAfter(
  state: RoomState,
  mark: string,
  user: string | undefined,
): number | undefined {
  const list = state.messages;
  if (list.length > 0 && !state.has(mark) && compareIds(list[0]!.id, mark) > 0) return undefined;
  return list.filter((m) => compareIds(m.id, mark) > 0 && m.from !== user && !m.deleted).length;
}
