import stringWidth from 'string-width';

/**
 * Redraws a full-screen frame in place, only the rows that changed.
 *
 * Ink (6) draws a frame as tall as the terminal by clearing the whole terminal and writing
 * every row again (`ESC[2J ESC[3J ESC[H` and the frame, in one write), on every change: each
 * key typed resent the whole screen (2.5 KB at 80x24), and a terminal caught between the
 * clear and the rows showed a blank or half-drawn screen (flicker where the terminal does not
 * hold synchronised output; half a screen to `tmux capture-pane`). Ink 7 redraws such frames
 * by line, but needs Node 22; its incremental mode in 6.8 lands one row low when the frame
 * does not fill the terminal.
 *
 * So the client's stdout is wrapped: such a write becomes, for each row that differs from the
 * last frame, a cursor move to the row and the row written over the old one. Anything else
 * written that can draw (Ink's first frame, a resize's erase, printed errors) makes the next
 * frame go out whole, as Ink wrote it.
 */

/** What Ink (through ansi-escapes) writes before a frame as tall as the terminal. */
export const CLEAR_TERMINAL = '\x1b[2J\x1b[3J\x1b[H';
const ERASE_LINE_END = '\x1b[K';
const ERASE_LINE = '\x1b[2K';

/** Writes that change no cell: synchronised-output brackets, cursor hide and show. */
const NOT_DRAWING = new Set(['\x1b[?2026h', '\x1b[?2026l', '\x1b[?25l', '\x1b[?25h', '']);

const moveTo = (row: number): string => `\x1b[${row + 1};1H`;

/**
 * The rows of a frame (`rows`) that differ from `last`, each written over its old self; the
 * frame's last row is always written, last, so the cursor ends where a whole write leaves it
 * (after that row's text). Rows `last` had beyond the new frame are erased.
 */
export function frameUpdate(
  last: readonly string[],
  rows: readonly string[],
  columns: number,
): string {
  const end = rows.length - 1;
  let out = '';
  for (let i = end + 1; i < last.length; i++) out += moveTo(i) + ERASE_LINE;
  for (let i = 0; i <= end; i++) {
    const row = rows[i]!;
    if (i < end && row === last[i]) continue;
    // A row filling the width needs no erase after it: the erase would take its last cell
    // on terminals where the cursor waits there for the wrap.
    out += moveTo(i) + row + (stringWidth(row) < columns ? ERASE_LINE_END : '');
  }
  return out;
}

type Write = NodeJS.WriteStream['write'];

/**
 * `out`, with full-screen frames redrawn in place (see above). Everything else (size, TTY,
 * events) is `out`'s own.
 */
export function inPlaceFrames(out: NodeJS.WriteStream): NodeJS.WriteStream {
  let last: string[] | undefined;
  // A resize reflows what is on the screen: the next frame goes out whole.
  out.on('resize', () => {
    last = undefined;
  });
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : undefined;
    if (text?.startsWith(CLEAR_TERMINAL)) {
      const rows = text.slice(CLEAR_TERMINAL.length).split('\n');
      // A frame taller than the screen scrolled it: its rows are not the screen's.
      const fits = rows.length <= (out.rows || 24);
      const update =
        last === undefined || !fits ? text : frameUpdate(last, rows, out.columns || 80);
      last = fits ? rows : undefined;
      return (out.write as (c: string, ...r: unknown[]) => boolean)(update, ...rest);
    }
    if (text === undefined || !NOT_DRAWING.has(text)) last = undefined;
    return (out.write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
  };
  return new Proxy(out, {
    get(target, prop) {
      if (prop === 'write') return write as Write;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}
