import type { RoomState } from '../../../client/room-state.js';

/**
 * How recently a user must have spoken (in what this client has seen) for their join or leave
 * line to be shown: weechat's smart filter. Lines from everyone else would drown a busy room.
 */
export const SPOKE_WITHIN_MS = 10 * 60_000;

/**
 * How long a user must stay gone before "bob left" is said. A user whose instance restarts,
 * crashes or loses Redis leaves the member lists for a moment and comes back on another:
 * they did not leave, and the other users are told nothing.
 */
export const LEAVE_GRACE_MS = 15_000;

/** When a user went from a room's list, and the room's newest message then (none: empty). */
export interface Went {
  at: number;
  after: string | undefined;
}

/** A leave whose grace is over: said in its room, dated and placed where the user went. */
export interface LeaveLine extends Went {
  room: string;
  line: string;
}

interface Seen {
  members: readonly string[];
  /** The server sent only part of the list (it caps it): a diff of it means nothing. */
  partial: boolean;
}

/**
 * "bob joined" and "bob left" from the member lists the server announces (`presence:updated`
 * and join answers): each new list is compared with the last one seen for the room.
 */
export class PresenceLines {
  private readonly seen = new Map<string, Seen>();
  /** Room -> users gone from its list whose leave is not said yet -> when and where they went. */
  private readonly leaving = new Map<string, Map<string, Went>>();

  /**
   * The join lines for what changed since the room's list was last looked at (none the first
   * time, none when either list was partial), leaving out `me`, users `skip` says to, and users
   * who have not spoken in the room within {@link SPOKE_WITHIN_MS} of `now`. Those who went are
   * held for {@link LEAVE_GRACE_MS} (see {@link due}): one back by then was never gone, and
   * neither line is said.
   */
  changes(
    room: RoomState,
    me: string | undefined,
    now: number,
    skip: (u: string) => boolean,
  ): string[] {
    const prev = this.seen.get(room.name);
    if (prev?.members === room.members) return [];
    const partial = room.memberCount > room.members.length;
    this.seen.set(room.name, { members: room.members, partial });
    if (!prev || prev.partial || partial) return [];
    const before = new Set(prev.members);
    const after = new Set(room.members);
    const shown = (u: string): boolean => u !== me && !skip(u) && spokeRecently(room, u, now);
    const gone = this.leaving.get(room.name) ?? new Map<string, Went>();
    const lines: string[] = [];
    for (const u of room.members) {
      if (before.has(u)) continue;
      // Back within the grace: it moved (a restart, a reconnect), it did not leave.
      if (gone.delete(u)) continue;
      if (shown(u)) lines.push(`${u} joined`);
    }
    const went = { at: now, after: room.messages.at(-1)?.id };
    for (const u of prev.members) if (!after.has(u) && shown(u)) gone.set(u, went);
    if (gone.size > 0) this.leaving.set(room.name, gone);
    else this.leaving.delete(room.name);
    return lines;
  }

  /**
   * The leave lines whose grace is over at `now` (each said once), with when the user went and
   * the room's newest message then: the line goes where it happened, not where it is said.
   */
  due(now: number): LeaveLine[] {
    const out: LeaveLine[] = [];
    for (const [room, gone] of this.leaving) {
      for (const [u, went] of gone) {
        if (now - went.at < LEAVE_GRACE_MS) continue;
        gone.delete(u);
        out.push({ room, line: `${u} left`, ...went });
      }
      if (gone.size === 0) this.leaving.delete(room);
    }
    return out;
  }

  /** Whether a leave is waiting its grace (the view's clock should keep ticking). */
  get pending(): boolean {
    return this.leaving.size > 0;
  }

  drop(room: string): void {
    this.seen.delete(room);
    this.leaving.delete(room);
  }
}

/** Whether `user` has a message in the room newer than the window (newest first, so short). */
function spokeRecently(room: RoomState, user: string, now: number): boolean {
  const since = now - SPOKE_WITHIN_MS;
  for (let i = room.messages.length - 1; i >= 0; i--) {
    const m = room.messages[i]!;
    if (m.ts < since) return false;
    if (m.from === user) return true;
  }
  return false;
}
