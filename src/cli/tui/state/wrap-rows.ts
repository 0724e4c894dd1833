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

/** wrap-ansi's `wrapWord`, on rows of plain text. */
function wrapWord(rows: string[], word: string, columns: number): void {
  const characters = [...word];
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
}

/** wrap-ansi's `exec` for one line, `hard: true, trim: false`: the rows it makes. */
function lineRows(line: string, columns: number): number {
  const words = line.split(' ');
  const rows = [''];
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
      wrapWord(rows, word, columns);
      continue;
    }
    if (rowLength + length > columns && rowLength > 0 && length > 0) rows.push('');
    rows[rows.length - 1] += word;
  }
  return rows.length;
}

/** Rows `text` takes wrapped at `columns`, as Ink wraps it. */
export function wrappedRows(text: string, columns: number): number {
  // Escape sequences change how wrap-ansi counts: leave them to it (sanitised text has none).
  // eslint-disable-next-line no-control-regex
  if (/[\x1b\x9b]/.test(text))
    return wrapAnsi(text, columns, { trim: false, hard: true }).split('\n').length;
  let rows = 0;
  for (const line of text.normalize().replaceAll('\r\n', '\n').split('\n'))
    rows += lineRows(line, columns);
  return rows;
}
