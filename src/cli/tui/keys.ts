import type { Key } from 'ink';

/**
 * Every key binding of the client, in one place: a key press becomes a named command, and
 * the views act on commands, never on raw keys.
 */
export type KeyCommand =
  | { type: 'submit' }
  | { type: 'insert'; text: string }
  /** Text with line breaks (a paste, or a line and its Enter in one read): see App. */
  | { type: 'lines'; lines: string[] }
  | { type: 'cancel' }
  | { type: 'backspace' }
  | { type: 'clearLine' }
  | { type: 'deleteWord' }
  | { type: 'cursor'; by: number | 'start' | 'end' }
  | { type: 'historyPrev' }
  | { type: 'historyNext' }
  /**
   * Tab (+1) / Shift-Tab (-1): complete a name or command, again for the next candidate;
   * `before`: text that came in the same read, just ahead of the Tab.
   */
  | { type: 'complete'; dir: 1 | -1; before?: string }
  | { type: 'scroll'; pages: number }
  | { type: 'scrollEnd' }
  | { type: 'nextRoom' }
  | { type: 'prevRoom' }
  | { type: 'room'; index: number }
  | { type: 'nextUnread' }
  | { type: 'quit' }
  | { type: 'none' };

export function keyCommand(input: string, key: Key): KeyCommand {
  if (key.ctrl && input === 'c') return { type: 'quit' };
  if (key.return) return { type: 'submit' };
  if (key.pageUp) return { type: 'scroll', pages: 1 };
  if (key.pageDown) return { type: 'scroll', pages: -1 };
  if (key.end) return { type: 'scrollEnd' };
  if (key.upArrow) return { type: 'historyPrev' };
  if (key.downArrow) return { type: 'historyNext' };
  if (key.backspace || key.delete) return { type: 'backspace' };
  if (key.leftArrow) return { type: 'cursor', by: key.ctrl || key.meta ? -10 : -1 };
  if (key.rightArrow) return { type: 'cursor', by: key.ctrl || key.meta ? 10 : 1 };
  if (key.home || (key.ctrl && input === 'a')) return { type: 'cursor', by: 'start' };
  if (key.ctrl && input === 'e') return { type: 'cursor', by: 'end' };
  if (key.ctrl && input === 'n') return { type: 'nextRoom' };
  if (key.ctrl && input === 'p') return { type: 'prevRoom' };
  if ((key.ctrl && input === 'x') || (key.meta && input === 'a')) return { type: 'nextUnread' };
  if (key.ctrl && input === 'u') return { type: 'clearLine' };
  if (key.ctrl && input === 'w') return { type: 'deleteWord' };
  if (key.meta && /^[1-9]$/.test(input)) return { type: 'room', index: Number(input) - 1 };
  if (key.tab) return { type: 'complete', dir: key.shift ? -1 : 1 };
  if (key.escape) return { type: 'cancel' };
  if (key.ctrl || key.meta) return { type: 'none' };
  if (input === '') return { type: 'none' };
  // Text and its Tab in one read (`tmux send-keys "al" Tab`, as with Enter below).
  if (/^[^\t\r\n]+\t$/.test(input)) {
    return { type: 'complete', dir: 1, before: stripControls(input.slice(0, -1)) };
  }
  // A paste, or text typed by a script with its Enter, arrives as one chunk: each line break
  // is an Enter. What is between them keeps no control characters.
  const parts = input.split(/\r\n?|\n/).map(stripControls);
  if (parts.length > 1) return { type: 'lines', lines: parts };
  return parts[0] ? { type: 'insert', text: parts[0] } : { type: 'none' };
}

// eslint-disable-next-line no-control-regex
const stripControls = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
