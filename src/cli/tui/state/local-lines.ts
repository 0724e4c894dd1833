import type { LocalLine } from './entries.js';

/** Lines kept per room at most; older ones go first. */
const KEPT = 500;

/**
 * The client's own lines (status, notices, command output), per room, numbered in the order
 * they were added across every room (`/clear` hides the lines up to a number).
 */
export class LocalLines {
  private readonly rooms = new Map<string, LocalLine[]>();
  private n = 0;

  /** The number of the newest line of any room (0: none yet). */
  get lineNo(): number {
    return this.n;
  }

  /** A room's lines, oldest first; the same array until a line is added or the room dropped. */
  get(room: string): readonly LocalLine[] | undefined {
    return this.rooms.get(room);
  }

  /** Adds a line drawn after the message `after` (the room's newest when it was added). */
  add(room: string, tone: LocalLine['tone'], text: string, ts: number, after: string | undefined) {
    const lines = this.rooms.get(room) ?? [];
    this.rooms.set(room, lines);
    lines.push({ n: ++this.n, tone, text, ts, after });
    if (lines.length > KEPT) lines.splice(0, lines.length - KEPT);
  }

  drop(room: string): void {
    this.rooms.delete(room);
  }
}
