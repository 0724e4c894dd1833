/**
 * Makes remote text (messages, user and room names, broadcasts) safe to draw on a terminal.
 *
 * Nothing that a terminal interprets survives: every C0/C1 control character (ESC, CSI, BEL,
 * CR, backspace, ...) is shown in caret notation (`^[`, `^M`, `^H`) or as `<U+0085>`, so an
 * escape sequence becomes harmless visible text (`^[[31m`) rather than disappearing silently.
 * Bidi overrides and zero-width characters, which can disguise text, are shown as `<U+202E>`;
 * a zero-width joiner inside an emoji sequence (👩‍👩‍👧‍👦, 🏳️‍🌈) is part of the emoji and kept.
 * Both steps matter: stripping escape sequences alone leaves BEL, CR and backspace behind.
 * Lengths are display widths in terminal columns, cut between graphemes: a cut never splits
 * a surrogate pair, an emoji sequence or a letter from its combining accent.
 */

import stringWidth from 'string-width';
import { graphemes as split, isEmojiZwjSequence } from './graphemes.js';

/** Bidirectional formatting characters that can reorder what is drawn. */
const BIDI = new Set([
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);
/** Invisible characters that can hide or join text. */
const INVISIBLE = new Set([
  0x00ad, 0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff,
]);

const hex = (cp: number): string => `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;

function visible(cp: number, keepNewlines: boolean): string {
  if (cp === 0x0a) return keepNewlines ? '\n' : ' ';
  if (cp === 0x09) return ' ';
  if (cp < 0x20) return `^${String.fromCharCode(cp + 0x40)}`;
  if (cp === 0x7f) return '^?';
  if (cp >= 0x80 && cp <= 0x9f) return hex(cp);
  if (BIDI.has(cp) || INVISIBLE.has(cp)) return hex(cp);
  // Lone surrogates and the line/paragraph separators.
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp === 0x2028 || cp === 0x2029) return hex(cp);
  return String.fromCodePoint(cp);
}

/** Every grapheme of `text` made visible (see the top of the file). */
function visibleText(text: string, keepNewlines: boolean): string {
  let out = '';
  for (const g of split(text)) {
    if (isEmojiZwjSequence(g)) out += g;
    else for (const ch of g) out += visible(ch.codePointAt(0)!, keepNewlines);
  }
  return out;
}

/** `text` cut to at most `columns` terminal columns, ending in `…` when it was cut. */
export function truncateToWidth(text: string, columns: number): string {
  if (stringWidth(text) <= columns) return text;
  let out = '';
  let width = 0;
  for (const segment of split(text)) {
    const w = stringWidth(segment);
    if (width + w > columns - 1) break;
    out += segment;
    width += w;
  }
  return `${out}…`;
}

/**
 * A single-line remote string (a name, a room): every control shown visibly, no newlines,
 * at most `maxWidth` columns.
 */
export function sanitizeInline(text: string, maxWidth = 64): string {
  return truncateToWidth(visibleText(text, false), maxWidth);
}

export interface DisplayLimits {
  /** Longest line shown, in terminal columns. */
  maxLineLength: number;
  /** Most lines shown. */
  maxLines: number;
}

/**
 * Remote text made safe: controls shown visibly, line breaks kept. Whole unless `limits` are
 * given (for one-line summaries); then at most `maxLines` lines of at most `maxLineLength`
 * columns, a cut line ending in `…` and cut lines counted.
 */
export function sanitizeText(text: string, limits?: DisplayLimits): string {
  const lines = visibleText(text, true).split('\n');
  if (!limits) return lines.join('\n');
  const shown = lines
    .slice(0, limits.maxLines)
    .map((l) => truncateToWidth(l, limits.maxLineLength));
  if (lines.length > limits.maxLines)
    shown.push(`… (${lines.length - limits.maxLines} more lines)`);
  return shown.join('\n');
}

/**
 * Starts every line of a message after its first. A message's own line breaks are kept, so
 * without it a line of one message could pass for another message's (`hello\n14:20 admin:
 * ...`); with it, only a message's first line can begin where messages begin.
 */
export const CONTINUATION_MARK = '┆ ';

/**
 * A message body as the TUI and `chat-tui tail` draw it after the `HH:MM from: ` that starts
 * the message: made safe ({@link sanitizeText}) and whole, however long (the server bounds a
 * message; the views wrap it and scroll by rows, so every character can be read), and every
 * line after the first marked as a continuation, indented by `indent` columns (to line up
 * beside the time column; the TUI's layout indents by itself) and then
 * {@link CONTINUATION_MARK}.
 */
export function messageBody(text: string, indent = 0): string {
  return sanitizeText(text)
    .split('\n')
    .join(`\n${' '.repeat(indent)}${CONTINUATION_MARK}`);
}

/** Whether a string still holds anything a terminal would interpret (for tests and asserts). */
export function hasControls(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(text);
}
