import type { Key } from './key-decoder.js';

/**
 * Every key binding of the client, in one place: a key press becomes a named command, and
 * the views act on commands, never on raw keys.
 */
export type KeyCommand =
  | { type: 'submit' }
  | { type: 'insert'; text: string }
  /** A line break in the message being typed (Alt-Enter, Ctrl-J). */
  | { type: 'newline' }
  /** A bracketed paste: one unit, its line breaks kept (see App). */
  | { type: 'paste'; text: string }
  /** Text with line breaks from a terminal without bracketed paste: see App. */
  | { type: 'lines'; lines: string[] }
  | { type: 'cancel' }
  | { type: 'backspace' }
  | { type: 'clearLine' }
  | { type: 'deleteWord' }
  | { type: 'cursor'; by: number | 'start' | 'end' }
  | { type: 'historyPrev' }
  | { type: 'historyNext' }
  /** Tab (+1) / Shift-Tab (-1): complete a name or command, again for the next candidate. */
  | { type: 'complete'; dir: 1 | -1 }
  | { type: 'scroll'; pages: number }
  | { type: 'scrollEnd' }
  | { type: 'nextRoom' }
  | { type: 'prevRoom' }
  | { type: 'room'; index: number }
  | { type: 'nextUnread' }
  /** Alt-E: put the user's last message of the room in the input line, as `/edit <text>`. */
  | { type: 'editLast' }
  /** Ctrl-R: start a `/search` of the room's history in the input line. */
  | { type: 'search' }
  | { type: 'quit' }
  | { type: 'none' };

/** Ctrl-letter bindings. */
const CTRL: Record<string, KeyCommand> = {
  c: { type: 'quit' },
  a: { type: 'cursor', by: 'start' },
  e: { type: 'cursor', by: 'end' },
  n: { type: 'nextRoom' },
  p: { type: 'prevRoom' },
  x: { type: 'nextUnread' },
  r: { type: 'search' },
  u: { type: 'clearLine' },
  w: { type: 'deleteWord' },
};

export function keyCommand(key: Key): KeyCommand {
  switch (key.name) {
    case 'text':
      return key.meta ? { type: 'none' } : { type: 'insert', text: key.text };
    case 'paste':
      return { type: 'paste', text: key.text };
    case 'lines':
      return { type: 'lines', lines: key.text.split('\n') };
    case 'return':
      return key.meta ? { type: 'newline' } : { type: 'submit' };
    case 'linefeed':
      return { type: 'newline' };
    case 'chord':
      if (key.ctrl) return CTRL[key.text] ?? { type: 'none' };
      if (/^[1-9]$/.test(key.text)) return { type: 'room', index: Number(key.text) - 1 };
      if (key.text === 'a') return { type: 'nextUnread' };
      return key.text === 'e' ? { type: 'editLast' } : { type: 'none' };
    case 'pageup':
      return { type: 'scroll', pages: 1 };
    case 'pagedown':
      return { type: 'scroll', pages: -1 };
    case 'end':
      return { type: 'scrollEnd' };
    case 'home':
      return { type: 'cursor', by: 'start' };
    case 'up':
      return { type: 'historyPrev' };
    case 'down':
      return { type: 'historyNext' };
    case 'backspace':
    case 'delete':
      return key.meta ? { type: 'deleteWord' } : { type: 'backspace' };
    case 'left':
      return { type: 'cursor', by: key.ctrl || key.meta ? -10 : -1 };
    case 'right':
      return { type: 'cursor', by: key.ctrl || key.meta ? 10 : 1 };
    case 'tab':
      return { type: 'complete', dir: key.shift ? -1 : 1 };
    case 'escape':
      return { type: 'cancel' };
    case 'other':
      return { type: 'none' };
  }
}
