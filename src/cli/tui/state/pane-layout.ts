import stringWidth from 'string-width';
import type { Entry } from './entries.js';
import { breakWords, wrappedRows } from './wrap-rows.js';

/**
 * The message pane measured in screen rows. Ink wraps an entry's text at the pane's width, so
 * one entry can take several rows; scrolling counts rows, not entries, or a page would skip
 * what wrapped. Heights are worked out here the way Ink lays the text out (its wrap-ansi call,
 * beside the timestamp column), and the view tests check them against real frames.
 */

/** What follows a message of ours that the server has not stored (yet). */
export function markText(e: Extract<Entry, { kind: 'message' }>): string {
  if (e.mark === 'queued') return ' (waiting to send…)';
  if (e.mark === 'pending') return ' (sending…)';
  if (e.mark === 'failed') return ' ✗ failed, will retry';
  if (e.mark === 'rejected') return ` ✗ not sent: ${e.error ?? 'refused'}`;
  return '';
}

/** What follows a message its author edited. */
export const EDITED_MARK = ' (edited)';

/** The red line where history was lost: it wraps (never cut) in a narrow pane. */
export function gapText(e: Extract<Entry, { kind: 'gap' }>): string {
  if (e.unloaded) return '─── later messages not loaded here (End: back to the newest) ───';
  if (e.reset) return '─── history was reset on the server; what came before cannot be matched ───';
  const s = e.missing === 1 ? '' : 's';
  return `─── ${e.missing} message${s} missing here (no longer kept by the server) ───`;
}

export const LOCAL_PREFIX = { status: '-- ', notice: '!! ', info: '', error: '' } as const;

type TextEntry = Extract<Entry, { kind: 'message' | 'local' }>;

/** What is drawn right of the timestamp: before the entry's text, the text, and after it. */
function bodyParts(e: TextEntry): [before: string, text: string, after: string] {
  if (e.kind === 'local') return [LOCAL_PREFIX[e.tone], e.text, ''];
  const before =
    e.messageKind === 'action'
      ? `* ${e.from} `
      : e.messageKind === 'broadcast'
        ? `[broadcast] ${e.from}: `
        : `${e.from}: `;
  return [before, e.text, (e.edited ? EDITED_MARK : '') + markText(e)];
}

/** The text drawn right of the timestamp, as one string (styles do not change its size). */
function bodyText(e: TextEntry): string {
  return bodyParts(e).join('');
}

/**
 * The entry's text as the view hands it to Ink in a pane `width` columns wide: with a line
 * break where a word of several-code-point characters is cut (see `breakWords`), so that Ink
 * wraps it into the rows measured here without splitting a character. What comes before and
 * after the text has no such word (names, marks): the cuts all fall inside the text.
 */
export function textToDraw(e: TextEntry, width: number): string {
  const [before, text, after] = bodyParts(e);
  const body = before + text + after;
  const broken = breakWords(body, Math.max(1, width - (e.time.length + 1)));
  if (broken === body) return text;
  // Rows may also end inside what comes before or after (a name, a mark): those are plain
  // words, which Ink wraps there by itself. Only the text's own breaks are kept.
  let start = 0;
  for (let left = before.length; left > 0; start++) if (broken[start] !== '\n') left--;
  if (before !== '' && !text.startsWith('\n')) while (broken[start] === '\n') start++;
  let end = broken.length;
  for (let left = after.length; left > 0; end--) if (broken[end - 1] !== '\n') left--;
  if (after !== '' && !text.endsWith('\n')) while (broken[end - 1] === '\n') end--;
  return broken.slice(start, end);
}

/** Rows `text` takes in `columns`, wrapped as Ink wraps it. */
function textRows(text: string, columns: number): number {
  const lines = text.split('\n');
  if (Math.max(...lines.map((l) => stringWidth(l))) <= columns) return lines.length;
  return wrappedRows(text, columns);
}

// Heights by width and text: a frame re-measures every entry, and most did not change. Keyed
// by the text itself (an entry key is not enough: rooms can hold messages with equal ids),
// and bounded by the characters held.
const measured = new Map<string, number>();
let measuredChars = 0;
const MEASURED_MAX_CHARS = 4_000_000;

/** Rows one entry takes in a pane `width` columns wide. */
export function entryRows(e: Entry, width: number): number {
  // A date, the unread marker: one row each, cut to the pane (they fit the narrowest drawn).
  if (e.kind === 'day' || e.kind === 'marker') return 1;
  const stamp = e.kind === 'gap' ? 0 : e.time.length + 1;
  const text = e.kind === 'gap' ? gapText(e) : bodyText(e);
  const key = `${width} ${stamp} ${text}`;
  let rows = measured.get(key);
  if (rows === undefined) {
    if (measuredChars > MEASURED_MAX_CHARS) {
      measured.clear();
      measuredChars = 0;
    }
    rows = Math.max(1, textRows(text, Math.max(1, width - stamp)));
    measured.set(key, rows);
    measuredChars += key.length;
  }
  return rows;
}

export interface PaneLayout {
  keys: string[];
  heights: number[];
  /** Every entry's rows, added up. */
  total: number;
  index: Map<string, number>;
}

export function paneLayout(entries: readonly Entry[], width: number): PaneLayout {
  const heights = entries.map((e) => entryRows(e, width));
  return {
    keys: entries.map((e) => e.key),
    heights,
    total: heights.reduce((a, b) => a + b, 0),
    index: new Map(entries.map((e, i) => [e.key, i])),
  };
}

/**
 * A scrolled-up pane: the entry at its bottom edge and how many of that entry's rows are
 * below the edge. Kept by entry rather than by row count, the view stays put when messages
 * arrive below or older history loads above, and keeps its bottom entry across a resize.
 */
export interface ScrollAnchor {
  key: string;
  below: number;
  /** Rows below the view when it was set: used if that entry is gone. */
  rows: number;
  /**
   * An entry the view must show (a search hit put a few entries above the bottom): when the
   * entries below it are too tall for the pane, the view goes down until its first row is in.
   */
  show?: string;
}

/** Rows of the view: scrolled up, the last row of the pane says what is below. */
export const viewRows = (height: number, offset: number): number =>
  Math.max(1, offset > 0 ? height - 1 : height);

/** The most rows that can be hidden below: the oldest row at the top of the view, no blanks. */
export function maxOffset(layout: PaneLayout, height: number): number {
  return layout.total <= height ? 0 : layout.total - viewRows(height, 1);
}

/** Rows hidden below the view, for an anchor in this layout (clamped to what exists). */
export function offsetOf(
  anchor: ScrollAnchor | undefined,
  layout: PaneLayout,
  height: number,
): number {
  if (!anchor) return 0;
  const i = layout.index.get(anchor.key);
  let rows = anchor.rows;
  if (i !== undefined) {
    rows = Math.min(anchor.below, layout.heights[i]! - 1);
    for (let j = i + 1; j < layout.heights.length; j++) rows += layout.heights[j]!;
  }
  const s = anchor.show === undefined ? undefined : layout.index.get(anchor.show);
  if (s !== undefined) {
    // Rows from the entry's first one to the end: the view's bottom may be no further down
    // than a view's height below that first row.
    let fromShown = 0;
    for (let j = s; j < layout.heights.length; j++) fromShown += layout.heights[j]!;
    rows = Math.max(rows, fromShown - viewRows(height, 1));
  }
  return Math.max(0, Math.min(rows, maxOffset(layout, height)));
}

/** The anchor for `offset` rows hidden below; undefined at the bottom (following new ones). */
export function anchorAt(offset: number, layout: PaneLayout): ScrollAnchor | undefined {
  if (offset <= 0) return undefined;
  let rows = 0;
  for (let j = layout.heights.length - 1; j >= 0; j--) {
    const h = layout.heights[j]!;
    if (rows + h > offset) return { key: layout.keys[j]!, below: offset - rows, rows: offset };
    rows += h;
  }
  return undefined;
}

/**
 * The offset one page up (`dir` 1) or down (-1): the row at the top of the view becomes the
 * one at the bottom (or the other way round), so a page moves by the view less one row.
 */
export function pageFrom(offset: number, dir: 1 | -1, layout: PaneLayout, height: number): number {
  const max = maxOffset(layout, height);
  if (dir > 0) return Math.min(max, offset + Math.max(1, viewRows(height, offset) - 1));
  // Back at the bottom once the full view holds the row that was at the bottom.
  if (offset <= height - 1) return 0;
  return offset - Math.max(1, viewRows(height, offset) - 1);
}

/** Which entries the view shows, and how many rows of the first are above its top edge. */
export function visibleWindow(
  layout: PaneLayout,
  offset: number,
  height: number,
): { from: number; to: number; clipTop: number; below: number } {
  const bottom = layout.total - offset;
  const top = bottom - viewRows(height, offset);
  let start = 0;
  let from = -1;
  let to = -1;
  let clipTop = 0;
  for (let j = 0; j < layout.heights.length; j++) {
    const end = start + layout.heights[j]!;
    if (end > top && start < bottom) {
      if (from < 0) {
        from = j;
        clipTop = Math.max(0, top - start);
      }
      to = j + 1;
    }
    start = end;
  }
  if (from < 0) return { from: 0, to: 0, clipTop: 0, below: 0 };
  // Entries not wholly in view below it.
  let below = layout.heights.length - to;
  let lastEnd = 0;
  for (let j = 0; j < to; j++) lastEnd += layout.heights[j]!;
  if (lastEnd > bottom) below++;
  return { from, to, clipTop, below };
}
