import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import { COMMANDS } from '../slash/registry.js';

/** One row of the help overlay: what to type or press, and what it does. */
export type HelpRow = readonly [keys: string, what: string];

/** The commands, as `/help` lists them: read from the commands themselves (slash/). */
export const COMMAND_HELP: readonly HelpRow[] = COMMANDS.map((c) => [c.usage, c.help]);

/** The keys, as `/help` lists them (bindings themselves are in keys.ts). */
export const KEY_HELP: readonly HelpRow[] = [
  ['Enter', 'send the line (or run a /command)'],
  ['Alt-Enter / Ctrl-J', 'a new line in the message (a pasted one keeps its lines)'],
  ['PgUp / PgDn', 'scroll the messages; End jumps back to the newest'],
  ['Ctrl-N / Ctrl-P', 'next / previous room'],
  ['Alt-1..9', 'room by its tab number'],
  ['Alt-A / Ctrl-X', 'next room with unread messages (those naming you first)'],
  ['Alt-E', 'edit your last message here (Enter saves the edit; Ctrl-U drops it)'],
  ['Ctrl-R', "search this room's history (/search)"],
  ['Tab / Shift-Tab', 'complete a name, /command or /msg user; again: the next one'],
  ['Up / Down', 'recall earlier input; Down past the newest brings back the draft'],
  ['Left / Right', 'move in the line (Ctrl-A / Home: start, Ctrl-E: end)'],
  ['Ctrl-U / Ctrl-W', 'clear the line / delete a word'],
  ['Ctrl-C', 'quit'],
];

/** One screen row of the help overlay. */
export interface HelpLine {
  kind: 'heading' | 'row' | 'blank';
  text: string;
}

/** The sections of the overlay, built from the tables (a new command only adds a row there). */
export const HELP_SECTIONS: readonly { title: string; rows: readonly HelpRow[] }[] = [
  { title: 'Commands', rows: COMMAND_HELP },
  { title: 'Keys', rows: KEY_HELP },
];

/** Below this many columns for the text, it goes under its key instead of beside it. */
const MIN_TEXT_COLUMNS = 16;

const wrap = (text: string, columns: number): string[] =>
  wrapAnsi(text, Math.max(1, columns), { hard: true, trim: true }).split('\n');

/**
 * The help as rows of at most `width` columns: each key in a column with its text wrapped
 * beside it, or, when that leaves too little room, the text indented under its key.
 */
export function helpLines(width: number): HelpLine[] {
  const keyWidth = Math.max(...HELP_SECTIONS.flatMap((s) => s.rows.map(([k]) => stringWidth(k))));
  const beside = width - (keyWidth + 4) >= MIN_TEXT_COLUMNS;
  const lines: HelpLine[] = [];
  HELP_SECTIONS.forEach((section, i) => {
    if (i > 0) lines.push({ kind: 'blank', text: '' });
    lines.push({ kind: 'heading', text: section.title });
    for (const [keys, what] of section.rows) {
      if (beside) {
        const indent = ' '.repeat(keyWidth + 4);
        wrap(what, width - indent.length).forEach((part, j) =>
          lines.push({
            kind: 'row',
            text: j === 0 ? `  ${keys.padEnd(keyWidth)}  ${part}` : indent + part,
          }),
        );
      } else {
        for (const part of wrap(keys, width - 2)) lines.push({ kind: 'row', text: `  ${part}` });
        for (const part of wrap(what, width - 4)) lines.push({ kind: 'row', text: `    ${part}` });
      }
    }
  });
  return lines;
}

/** Rows of help text an overlay of `height` rows shows (a title and a footer row take two). */
export function helpBodyRows(height: number): number {
  return Math.max(1, height - 2);
}

/** The first line shown, kept so the last page is full and nothing scrolls past the end. */
export function clampHelpTop(top: number, total: number, height: number): number {
  return Math.max(0, Math.min(top, total - helpBodyRows(height)));
}
