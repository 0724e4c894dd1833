import type { RoomState } from '../../../client/room-state.js';

/**
 * How recently a user must have spoken (in what this client has seen) for their join or leave
 * line to be shown: weechat's smart filter. Lines from everyone else would drown a busy room.
 */
export const SPOKE_WITHIN_MS = 10 * 60_000;

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

  /**
   * The lines for what changed since the room's list was last looked at (none the first time,
   * none when either list was partial), leaving out `me`, users `skip` says to, and users who
   * have not spoken in the room within {@link SPOKE_WITHIN_MS} of `now`.
   */
  changes(room: RoomState, me: string | undefined, now: number, skip: (u: string) => boolean) {
    const prev = this.seen.get(room.name);
    if (prev?.members === room.members) return [];
    const partial = room.memberCount > room.members.length;
    this.seen.set(room.name, { members: room.members, partial });
    if (!prev || prev.partial || partial) return [];
    const before = new Set(prev.members);
    const after = new Set(room.members);
    const shown = (u: string): boolean => u !== me && !skip(u) && spokeRecently(room, u, now);
    return [
      ...room.members.filter((u) => !before.has(u) && shown(u)).map((u) => `${u} joined`),
      ...prev.members.filter((u) => !after.has(u) && shown(u)).map((u) => `${u} left`),
    ];
  }

  drop(room: string): void {
    this.seen.delete(room);
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
