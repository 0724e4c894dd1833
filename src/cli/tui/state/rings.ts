import { directPeer, roomLabel } from '../../../protocol/index.js';
import type { MentionRecord } from './mentions.js';

/** Why a message rings: it names the user, or it is a direct conversation's peer writing. */
export type RingWhy = 'mention' | 'direct';

/** Where a ring's message was said, as a notification names it (a mention in a DM is direct). */
export function ringPlace(why: RingWhy, r: MentionRecord): string {
  if (r.room === undefined) return r.from; // an operator's notice
  return why === 'direct' || directPeer(r.room)
    ? `${r.from} (direct)`
    : `${r.from} in ${roomLabel(r.room)}`;
}

/** What a ring asks of the terminal: the bell, and a notification unless it is on screen. */
export interface RingOut {
  bell(): void;
  /** Asks for a desktop notification (a no-op when notifications are off). */
  notify(title: string, body: string): void;
  /** Whether a room is the one on screen (what is on screen is seen: no notification). */
  inView(room: string | undefined): boolean;
}

/**
 * The bell and notifications for messages that ring. One at a time, each rings as it comes;
 * while held (a reconnect catching up on what it missed, a conversation opened with several
 * messages), they are gathered and ring once when let go: one bell, and one notification
 * that says how many and from where, not one per message recovered.
 */
export class Rings {
  private holds = 0;
  private held: { why: RingWhy; r: MentionRecord }[] = [];

  constructor(private readonly out: RingOut) {}

  get holding(): boolean {
    return this.holds > 0;
  }

  ring(why: RingWhy, r: MentionRecord): void {
    if (this.holds > 0) this.held.push({ why, r });
    else this.one(why, r);
  }

  /** Gathers rings until as many {@link release}s. */
  hold(): void {
    this.holds++;
  }

  release(): void {
    if (this.holds === 0) return;
    if (--this.holds > 0) return;
    const held = this.held;
    this.held = [];
    if (held.length === 1) this.one(held[0]!.why, held[0]!.r);
    else if (held.length > 1) this.many(held);
  }

  /** Gathers the rings of `fn`'s synchronous work, and lets them go after it. */
  batch(fn: () => void): void {
    this.hold();
    try {
      fn();
    } finally {
      this.release();
    }
  }

  private one(why: RingWhy, r: MentionRecord): void {
    this.out.bell();
    // Out of view only (a broadcast, with no room, is on every screen).
    if (r.room === undefined || this.out.inView(r.room)) return;
    this.out.notify(`chat-tui: ${ringPlace(why, r)}`, r.text);
  }

  private many(held: { why: RingWhy; r: MentionRecord }[]): void {
    this.out.bell();
    const unseen = held.filter(({ r }) => r.room !== undefined && !this.out.inView(r.room));
    if (unseen.length === 0) return;
    if (unseen.length === 1) {
      const { why, r } = unseen[0]!;
      this.out.notify(`chat-tui: ${ringPlace(why, r)}`, r.text);
      return;
    }
    // Most first; equal counts in the order they came.
    const counts = new Map<string, number>();
    for (const { why, r } of unseen) {
      const place = ringPlace(why, r);
      counts.set(place, (counts.get(place) ?? 0) + 1);
    }
    const body = [...counts]
      .map(([place, n], i) => ({ place, n, i }))
      .sort((a, b) => b.n - a.n || a.i - b.i)
      .map(({ place, n }) => `${place}: ${n}`)
      .join(', ');
    this.out.notify(`chat-tui: ${unseen.length} messages for you`, body);
  }
}
