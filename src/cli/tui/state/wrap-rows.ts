import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

/**
 * How many rows Ink's wrapping (wrap-ansi 9, `hard: true, trim: false`) gives a text, counted
 * the way wrap-ansi lays it out but without its cost: wrap-ansi measures every character of a
 * long word with `stringWidth`, a quarter of a second for a 2000-character word on a busy
 * machine, and the pane measures every message of the history. Widths of printable ASCII are
 * their lengths; anything else is measured as wrap-ansi measures it. A test compares the two
 * on random text.
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const width = (s: string): number => (PRINTABLE_ASCII.test(s) ? s.length : stringWidth(s));
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The pieces a word too long for a row is cut into. wrap-ansi cuts by code point, which splits
 * a character made of several (a flag, a skin tone, a family) across two rows, each half drawn
 * as something else. Such a word is cut here by characters as people see them (graphemes), and
 * the view hands Ink the rows made so ({@link breakWords}), so wrap-ansi cuts nothing. A word
 * of one code point a character, or a row too narrow for a character, is cut as wrap-ansi
 * cuts it.
 */
function pieces(word: string, columns: number): { pieces: string[]; graphemes: boolean } {
  const points = [...word];
  if (PRINTABLE_ASCII.test(word)) return { pieces: points, graphemes: false };
  const chars = Array.from(graphemes.segment(word), (s) => s.segment);
  if (chars.length === points.length || chars.some((c) => width(c) > columns)) {
    return { pieces: points, graphemes: false };
  }
  return { pieces: chars, graphemes: true };
}

/** wrap-ansi's `wrapWord`, on rows of plain text; true if it cut the word by graphemes. */
function wrapWord(rows: string[], word: string, columns: number): boolean {
  const { pieces: characters, graphemes: cutByGraphemes } = pieces(word, columns);
  let visible = width(rows.at(-1)!);
  for (let index = 0; index < characters.length; index++) {
    const character = characters[index]!;
    const characterLength = width(character);
    if (visible + characterLength <= columns) rows[rows.length - 1] += character;
    else {
      rows.push(character);
      visible = 0;
    }
    visible += characterLength;
    if (visible === columns && index < characters.length - 1) {
      rows.push('');
      visible = 0;
    }
  }
  if (!visible && rows.at(-1)!.length > 0 && rows.length > 1) rows[rows.length - 2] += rows.pop()!;
  return cutByGraphemes;
}

/**
 * wrap-ansi's `exec` for one line, `hard: true, trim: false`: the rows it makes, and whether a
 * word in it was cut by graphemes (then Ink must be given these rows, see {@link breakWords}).
 */
function lineRows(line: string, columns: number): { rows: string[]; cut: boolean } {
  const words = line.split(' ');
  const rows = [''];
  let cut = false;
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    const length = width(word);
    let rowLength = width(rows.at(-1)!);
    if (index !== 0) {
      if (rowLength >= columns) {
        rows.push('');
        rowLength = 0;
      }
      rows[rows.length - 1] += ' ';
      rowLength++;
    }
    if (length > columns) {
      const remainingColumns = columns - rowLength;
      const breaksStartingThisLine = 1 + Math.floor((length - remainingColumns - 1) / columns);
      const breaksStartingNextLine = Math.floor((length - 1) / columns);
      if (breaksStartingNextLine < breaksStartingThisLine) rows.push('');
      cut = wrapWord(rows, word, columns) || cut;
      continue;
    }
    if (rowLength + length > columns && rowLength > 0 && length > 0) rows.push('');
    rows[rows.length - 1] += word;
  }
  return { rows, cut };
}

/**
 * `text` as Ink must be given it to wrap into {@link wrappedRows}'s rows at `columns` without
 * splitting a character: a line in which a word of several-code-point characters is cut comes
 * as its rows, one a line (each fits, so wrap-ansi leaves it whole); other text as it is.
 */
export function breakWords(text: string, columns: number): string {
  if (PRINTABLE_ASCII_LINES.test(text)) return text;
  // eslint-disable-next-line no-control-regex
  if (/[\x1b\x9b]/.test(text)) return text; // measured by wrap-ansi itself (see wrappedRows)
  // Every frame draws the entries in view again: each text is laid out once a width.
  const key = `${columns}\u0000${text}`;
  let broken = cut.get(key);
  if (broken === undefined) {
    if (cut.size >= CUT_KEPT) cut.clear();
    broken = cutRows(text, columns);
    cut.set(key, broken);
  }
  return broken;
}

const PRINTABLE_ASCII_LINES = /^[\x20-\x7e\n]*$/;
/** Texts laid out by {@link breakWords}, by width (bounded: a few screens' worth). */
const cut = new Map<string, string>();
const CUT_KEPT = 2000;

function cutRows(text: string, columns: number): string {
  const lines = text.normalize().replaceAll('\r\n', '\n').split('\n');
  let changed = false;
  const out = lines.map((line) => {
    const { rows, cut } = lineRows(line, columns);
    if (!cut) return line;
    changed = true;
    return rows.join('\n');
  });
  return changed ? out.join('\n') : text;
}

/** Rows `text` takes wrapped at `columns`, as Ink wraps it. */
export function wrappedRows(text: string, columns: number): number {
  // Escape sequences change how wrap-ansi counts: leave them to it (sanitised text has none).
  // eslint-disable-next-line no-control-regex
  if (/[\x1b\x9b]/.test(text))
    return wrapAnsi(text, columns, { trim: false, hard: true }).split('\n').length;
  let rows = 0;
  for (const line of text.normalize().replaceAll('\r\n', '\n').split('\n'))
    rows += lineRows(line, columns).rows.length;
  return rows;
}
