import {
  anchorAt,
  maxOffset,
  offsetOf,
  pageFrom,
  type PaneLayout,
  type ScrollAnchor,
} from './pane-layout.js';

/** Where a scrolled-up room is anchored, and how many messages arrived below since. */
export interface RoomScroll {
  anchor: ScrollAnchor;
  newBelow: number;
}

/** The rooms scrolled up; a room at the bottom has no entry. */
export class Scrolls {
  private readonly rooms = new Map<string, RoomScroll>();

  get(room: string): RoomScroll | undefined {
    return this.rooms.get(room);
  }

  /** Back to the bottom. */
  drop(room: string): void {
    this.rooms.delete(room);
  }

  /**
   * Scrolls the room so that the entry with this key is at the bottom of the view; `show`: an
   * entry above it that must be in view all the same (see {@link ScrollAnchor.show}).
   */
  anchorTo(room: string, key: string, show?: string): void {
    const anchor: ScrollAnchor = { key, below: 0, rows: 0, ...(show ? { show } : {}) };
    this.rooms.set(room, { anchor, newBelow: 0 });
  }

  /** A new message arrived in the room: a scrolled-up view stays put and counts it. */
  arrived(room: string): void {
    const s = this.rooms.get(room);
    if (s) s.newBelow++;
  }

  /**
   * Scrolls a room by pages (positive: back in time) of the pane as drawn: `layout` holds the
   * rows each entry takes at the pane's width, `height` the pane's rows. True when the view
   * is at the top of what is loaded (time to fetch older history).
   */
  scroll(room: string, pages: number, layout: PaneLayout, height: number): boolean {
    const s = this.rooms.get(room);
    let offset = offsetOf(s?.anchor, layout, height);
    for (let i = 0; i < Math.abs(pages); i++)
      offset = pageFrom(offset, pages > 0 ? 1 : -1, layout, height);
    const anchor = anchorAt(offset, layout);
    if (anchor) this.rooms.set(room, { anchor, newBelow: s?.newBelow ?? 0 });
    else this.rooms.delete(room);
    return pages > 0 && offset >= maxOffset(layout, height);
  }
}
