import type { ChatServer } from './context.js';
import { emitAboutRoom } from './direct.js';
import type { Logger } from './logger.js';
import type { Presence } from './presence.js';

/**
 * How long presence changes in a room are gathered before one announcement: a mass join
 * of thousands would otherwise announce to thousands of sockets per joiner.
 */
function presenceDelayMs(members: number): number {
  return members > 200 ? 2000 : members > 50 ? 500 : 100;
}

/** Tells a room's members, on every instance, who is in it now: debounced per room. */
export class PresenceAnnouncer {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Last member count announced per room: big rooms are announced less often. */
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly io: ChatServer,
    private readonly presence: Presence,
    private readonly log: Logger,
  ) {}

  changed(room: string): void {
    if (this.timers.has(room)) return;
    this.timers.set(
      room,
      setTimeout(
        () => {
          this.timers.delete(room);
          this.presence.members(room).then(
            ({ members, count }) => {
              if (count === 0) this.counts.delete(room);
              else this.counts.set(room, count);
              emitAboutRoom(this.io, room, 'presence:updated', (address) => ({
                room: address,
                members,
                count,
              }));
            },
            (err: unknown) => this.log.warn({ room, err }, 'presence update failed'),
          );
        },
        presenceDelayMs(this.counts.get(room) ?? 0),
      ),
    );
  }

  /** Drops the announcements still waiting (the instance is closing). */
  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
  }
}
