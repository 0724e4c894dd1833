import type { RoomTab } from './chat-store.js';
import { UNREAD_SHOWN_MAX, roomLabel } from '../../../protocol/index.js';

/** Which tabs fit in the bar, and what lies beyond its edges. */
export interface TabWindow {
  /** First tab shown, and one past the last. */
  from: number;
  to: number;
  /** Rooms with unread messages hidden left and right of the bar. */
  unreadLeft: number;
  unreadRight: number;
}

/**
 * A tab as the bar prints it: its number (for Alt-N and /window N), name (`#room`, `@peer`),
 * then unread messages and, in brackets, how many of them name the user: `2:#dev 3 (1)`.
 */
export function tabLabel(tab: RoomTab, index: number): string {
  return `${index + 1}:${roomLabel(tab.name)}${unreadText(tab)}${mentionText(tab)}`;
}
/** Unread counts past {@link UNREAD_SHOWN_MAX} read `999+`. */
export const unreadText = (t: RoomTab): string =>
  t.unread > UNREAD_SHOWN_MAX ? ` ${UNREAD_SHOWN_MAX}+` : t.unread > 0 ? ` ${t.unread}` : '';
export const mentionText = (t: RoomTab): string => (t.mentions > 0 ? ` (${t.mentions})` : '');

/** The markers at the edges: `<` or `<(3) ` (three hidden rooms have unread), and mirrored. */
export function leftMarker(w: TabWindow): string {
  if (w.from === 0) return '';
  return w.unreadLeft > 0 ? `<(${w.unreadLeft}) ` : '< ';
}
export function rightMarker(w: TabWindow, total: number): string {
  if (w.to >= total) return '';
  return w.unreadRight > 0 ? `(${w.unreadRight})>` : '>';
}

const unreadIn = (tabs: RoomTab[], from: number, to: number): number =>
  tabs.slice(from, to).filter((t) => t.unread > 0).length;

function windowOf(tabs: RoomTab[], from: number, to: number): TabWindow {
  return {
    from,
    to,
    unreadLeft: unreadIn(tabs, 0, from),
    unreadRight: unreadIn(tabs, to, tabs.length),
  };
}

/**
 * The tabs that fit in `width` columns with the active one among them. Tabs are shown from
 * the first while the active one fits that way (the bar stays put for the first rooms);
 * further on the bar scrolls, growing around the active tab so its neighbours show on both
 * sides. Room and user names are ASCII (NAME_PATTERN), so a label's length is its width.
 */
export function tabWindow(tabs: RoomTab[], width: number): TabWindow {
  const n = tabs.length;
  const cost = tabs.map((t, i) => tabLabel(t, i).length + 1);
  const fits = (from: number, to: number): boolean => {
    const w = windowOf(tabs, from, to);
    const right = rightMarker(w, n);
    // Tabs are joined by spaces (`cost` counts one after each), the right marker after one.
    let used = leftMarker(w).length + (right ? right.length : -1);
    for (let i = from; i < to; i++) used += cost[i]!;
    return used <= width;
  };
  const active = Math.max(
    0,
    tabs.findIndex((t) => t.active),
  );
  let to = 0;
  while (to < n && fits(0, to + 1)) to++;
  if (active < to) return windowOf(tabs, 0, to);

  let from = active;
  to = active + 1;
  for (let grew = true; grew;) {
    grew = false;
    if (to < n && fits(from, to + 1)) {
      to++;
      grew = true;
    }
    if (from > 0 && fits(from - 1, to)) {
      from--;
      grew = true;
    }
  }
  return windowOf(tabs, from, to);
}
