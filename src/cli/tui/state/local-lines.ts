import { compareIds } from '../../../protocol/index.js';
import type { LocalLine } from './entries.js';

/** Whether a line anchored after message `a` is drawn after one anchored after `b`. */
function drawnAfter(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined) return false;
  return b === undefined || compareIds(a, b) > 0;
}

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

  /**
   * Adds a line drawn after the message `after` (the room's newest when it happened; none: the
   * room held none). Lines are kept in the order they are drawn: one told late about an earlier
   * moment goes before those added since after newer messages, and after those of its own.
   */
  add(room: string, tone: LocalLine['tone'], text: string, ts: number, after: string | undefined) {
    const lines = this.rooms.get(room) ?? [];
    this.rooms.set(room, lines);
    const line = { n: ++this.n, tone, text, ts, after };
    let at = lines.length;
    // Anchored alike, a line told late goes before those of later moments.
    while (
      at > 0 &&
      (drawnAfter(lines[at - 1]!.after, after) ||
        (lines[at - 1]!.after === after && lines[at - 1]!.ts > ts))
    )
      at--;
    lines.splice(at, 0, line);
    if (lines.length > KEPT) lines.splice(0, lines.length - KEPT);
  }

  drop(room: string): void {
    this.rooms.delete(room);
  }
}
