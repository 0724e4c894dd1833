import { roomOf } from './room-names.js';
import type { ChatServer } from '../transport/io-types.js';
import { emitAboutRoom } from './direct.js';
import type { Logger } from '../ops/logger.js';
import type { Presence } from './presence.js';

/** What a room's sharded channel carries, besides messages, when its members changed. */
export const PRESENCE_NOTICE = 'presence';

/** Local changes in a room within this window become one notice to the cluster. */
const NOTICE_GATHER_MS = 50;
/** The shortest and the longest wait before a room's members are told who is in it now. */
const ANNOUNCE_MIN_MS = 100;
const ANNOUNCE_MAX_MS = 15_000;
/** The wait grows by this much per member: a room is told at most ~20 lists per second in all. */
const ANNOUNCE_MS_PER_MEMBER = 50;

/**
 * Sockets this instance sends member lists to per second at most, over all its rooms: after
 * a restart, members rejoining thousands of rooms at once would otherwise keep the instance
 * busy writing lists (each already got one in its join's answer; later ones wait their turn).
 */
const ANNOUNCE_SOCKETS_PER_SEC = 1000;

/**
 * How long changes in a room are gathered before its members are told: its members times
 * 50 ms, within 100 ms..15 s (a room of 10 waits 0.5 s, of 100 5 s). Each announcement goes
 * to every member, so a room of N is sent at most N / wait = 20 lists a second however many
 * join at once (a mass reconnect after a restart, a load test), not a list per joiner.
 */
function announceDelayMs(members: number): number {
  return Math.min(ANNOUNCE_MAX_MS, Math.max(ANNOUNCE_MIN_MS, members * ANNOUNCE_MS_PER_MEMBER));
}

/** What the announcer needs to tell the other instances with members in a room. */
export interface PresenceNotifier {
  /** Publishes `PRESENCE_NOTICE` on the room's sharded channel (which this instance hears too). */
  notify(room: string): Promise<unknown>;
}

/**
 * Tells a room's members who is in it now. A change on any instance is published once per
 * gathering window on the room's own channel; every instance with members in the room hears
 * it and, after a wait that grows with the room, reads the list once and sends it to its own
 * members only (`io.local`). So each member gets one list per wait, whatever the number of
 * instances the joins came through, and instances without members in the room hear nothing.
 */
export class PresenceAnnouncer {
  private readonly notices = new Map<string, NodeJS.Timeout>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Last member count read per room: bigger rooms are told less often. */
  private readonly counts = new Map<string, number>();
  /** Until then, the lists already sent have used this instance's budget. */
  private budgetAt = 0;
  /**
   * Rooms whose wait is over, waiting for the budget in the order they came, under one timer:
   * after a mass join every room is due at once, and a timer per room, each firing at the same
   * moment only to find the budget spent by the first and set itself again, cost thousands of
   * timers per list sent (3 % of an instance's time in a 30k herd).
   */
  private readonly due = new Set<string>();
  private budgetTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: ChatServer,
    private readonly presence: Presence,
    private readonly notifier: PresenceNotifier,
    private readonly log: Logger,
  ) {
    // The last local member left: what was kept about the room here is not needed any more.
    io.of('/').adapter.on('delete-room', (r: string) => {
      if (!r.startsWith('#')) return;
      this.counts.delete(r.slice(1));
    });
  }

  /** A member joined or left here (or expired): tell the instances with members in the room. */
  changed(room: string): void {
    if (this.notices.has(room)) return;
    this.notices.set(
      room,
      setTimeout(() => {
        this.notices.delete(room);
        this.notifier.notify(room).catch((err: unknown) => {
          // Redis is away: clients resume (and re-join, with the member list) once it is back.
          this.log.debug({ room, err: (err as Error).message }, 'presence notice not sent');
        });
      }, NOTICE_GATHER_MS),
    );
  }

  /** The room's channel said its members changed: tell the local members, once per wait. */
  heard(room: string): void {
    if (this.timers.has(room) || this.due.has(room)) return;
    this.later(room, announceDelayMs(this.counts.get(room) ?? 0));
  }

  private later(room: string, ms: number): void {
    this.timers.set(
      room,
      setTimeout(() => this.announce(room), ms),
    );
  }

  private announce(room: string): void {
    this.timers.delete(room);
    this.due.add(room);
    this.sendDue();
  }

  /**
   * Sends the lists of the rooms that are due, oldest first, while the instance's budget lasts
   * (lists to thousands of rooms at once); the rest wait for it under one timer.
   */
  private sendDue(): void {
    const now = Date.now();
    for (const room of this.due) {
      if (this.budgetAt > now) break;
      this.due.delete(room);
      this.send(room, now);
    }
    if (this.due.size > 0 && this.budgetTimer === undefined) {
      this.budgetTimer = setTimeout(() => {
        this.budgetTimer = undefined;
        this.sendDue();
      }, this.budgetAt - now);
    }
  }

  private send(room: string, now: number): void {
    const sockets = this.io.of('/').adapter.rooms.get(roomOf(room))?.size ?? 0;
    if (sockets === 0) {
      // The last local member left meanwhile: nobody here to tell.
      this.counts.delete(room);
      return;
    }
    this.budgetAt = now + (sockets / ANNOUNCE_SOCKETS_PER_SEC) * 1000;
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
  }

  /** Drops the notices and announcements still waiting (the instance is closing). */
  stop(): void {
    for (const t of this.notices.values()) clearTimeout(t);
    for (const t of this.timers.values()) clearTimeout(t);
    clearTimeout(this.budgetTimer);
    this.due.clear();
  }
}
