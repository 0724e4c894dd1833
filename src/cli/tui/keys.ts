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
  if (key.tab && !key.shift) return { type: 'nextRoom' };
  if (key.escape) return { type: 'cancel' };
  if (key.ctrl || key.meta) return { type: 'none' };
  if (input === '') return { type: 'none' };
  // A paste, or text typed by a script with its Enter, arrives as one chunk: each line break
  // is an Enter. What is between them keeps no control characters.
  // eslint-disable-next-line no-control-regex
  const parts = input.split(/\r\n?|\n/).map((p) => p.replace(/[\u0000-\u001f\u007f-\u009f]/g, ''));
  if (parts.length > 1) return { type: 'lines', lines: parts };
  return parts[0] ? { type: 'insert', text: parts[0] } : { type: 'none' };
}
