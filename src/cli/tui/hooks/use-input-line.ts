import { useCallback, useRef, useState } from 'react';
import { graphemeStep as step } from '../../graphemes.js';
import { completionsAt, type CompletionSource } from '../state/completion.js';

export interface InputState {
  value: string;
  /** Cursor position, in UTF-16 units, always between graphemes. */
  cursor: number;
}

export interface InputLine extends InputState {
  insert(text: string): string;
  backspace(): string;
  deleteWord(): string;
  clear(): string;
  /**
   * Moves the cursor by characters (graphemes; negative: left), or to the start or end of its
   * line (the text can hold line breaks).
   */
  move(by: number | 'start' | 'end'): void;
  /**
   * Moves the cursor to the line above (-1) or below (+1) in a text of several lines; false
   * (and nothing moves) when there is no such line.
   */
  moveLine(dir: -1 | 1): boolean;
  /** The line as it is now (it may be newer than `value` until React re-renders). */
  current(): string;
  /** Returns the line and empties it (Enter). */
  take(): string;
  /**
   * Steps through earlier input (Up: -1, Down: +1). The line being typed is kept as a draft,
   * as shells keep it: Down past the newest entry brings it back.
   */
  recall(history: readonly string[], step: -1 | 1): string;
  /**
   * Tab (+1) / Shift-Tab (-1): completes the word before the cursor; pressed again, steps
   * through the other candidates. Any other key ends that ({@link endCompletion}).
   */
  complete(source: () => CompletionSource, dir: 1 | -1): string;
  endCompletion(): void;
}

/** A completion being cycled through: the line around the word, and the line it made. */
interface Cycle {
  head: string;
  tail: string;
  options: string[];
  index: number;
  result: string;
  cursor: number;
}

/**
 * Most the line holds: well over a message (text over MESSAGE_MAX_LENGTH is offered to be
 * sent in parts), bounded so a runaway paste cannot grow it without end. The view refuses an
 * insert past it, visibly.
 */
export const INPUT_MAX_LENGTH = 20_000;

/** Where the line holding index `i` starts. */
const lineStart = (value: string, i: number): number =>
  i <= 0 ? 0 : value.lastIndexOf('\n', i - 1) + 1;

/**
 * The input line's text and cursor. They live in a ref as well as in state: Enter typed right
 * after the text must see the text, even before React re-rendered.
 */
export function useInputLine(): InputLine {
  const ref = useRef<InputState>({ value: '', cursor: 0 });
  const recallAt = useRef<number | undefined>(undefined);
  const draft = useRef('');
  const cycle = useRef<Cycle | undefined>(undefined);
  const [state, setState] = useState<InputState>(ref.current);
  const set = useCallback((value: string, cursor: number): string => {
    const v = value.slice(0, INPUT_MAX_LENGTH);
    ref.current = { value: v, cursor: Math.max(0, Math.min(cursor, v.length)) };
    setState(ref.current);
    return v;
  }, []);
  const cur = (): InputState => ref.current;
  return {
    ...state,
    insert: (text) => {
      recallAt.current = undefined;
      const { value, cursor } = cur();
      return set(value.slice(0, cursor) + text + value.slice(cursor), cursor + text.length);
    },
    backspace: () => {
      const { value, cursor } = cur();
      const from = step(value, cursor, -1);
      return set(value.slice(0, from) + value.slice(cursor), from);
    },
    deleteWord: () => {
      const { value, cursor } = cur();
      const before = value.slice(0, cursor).replace(/\S+\s*$/, '');
      return set(before + value.slice(cursor), before.length);
    },
    clear: () => set('', 0),
    current: () => cur().value,
    move: (by) => {
      const { value, cursor } = cur();
      if (by === 'start') return void set(value, lineStart(value, cursor));
      if (by === 'end') {
        const end = value.indexOf('\n', cursor);
        return void set(value, end === -1 ? value.length : end);
      }
      let c = cursor;
      for (let n = 0; n < Math.abs(by); n++) c = step(value, c, by < 0 ? -1 : 1);
      set(value, c);
    },
    moveLine: (dir) => {
      const { value, cursor } = cur();
      const start = lineStart(value, cursor);
      const target = dir < 0 ? lineStart(value, start - 1) : value.indexOf('\n', cursor) + 1;
      if ((dir < 0 && start === 0) || (dir > 0 && target === 0)) return false;
      const end = value.indexOf('\n', target);
      const lineEnd = end === -1 ? value.length : end;
      // The same column (in UTF-16 units), at a grapheme boundary at or before it.
      let c = Math.min(target + (cursor - start), lineEnd);
      if (c < lineEnd) c = step(value, step(value, c, 1), -1);
      set(value, c);
      return true;
    },
    take: () => {
      const { value } = cur();
      recallAt.current = undefined;
      set('', 0);
      return value;
    },
    complete: (source, dir) => {
      const { value, cursor } = cur();
      let c = cycle.current;
      if (c && c.result === value && c.cursor === cursor) {
        c.index = (c.index + dir + c.options.length) % c.options.length;
      } else {
        const found = completionsAt(value, cursor, source());
        if (!found || found.options.length === 0) {
          cycle.current = undefined;
          return value;
        }
        c = {
          head: value.slice(0, found.start),
          tail: value.slice(cursor),
          options: found.options,
          index: dir > 0 ? 0 : found.options.length - 1,
          result: '',
          cursor: 0,
        };
      }
      const option = c.options[c.index]!;
      c.cursor = c.head.length + option.length;
      c.result = set(c.head + option + c.tail, c.cursor);
      // One candidate is nothing to cycle through: the next Tab completes the next word.
      cycle.current = c.options.length > 1 ? c : undefined;
      return c.result;
    },
    endCompletion: () => {
      cycle.current = undefined;
    },
    recall: (history, dir) => {
      if (history.length === 0) return cur().value;
      if (recallAt.current === undefined) {
        if (dir > 0) return cur().value; // not recalling: nothing newer than the draft
        draft.current = cur().value;
      }
      const at = recallAt.current ?? history.length;
      const next = Math.max(0, Math.min(history.length, at + dir));
      // Past the newest entry is the draft again, and recalling ends there.
      recallAt.current = next === history.length ? undefined : next;
      const v = history[next] ?? draft.current;
      return set(v, v.length);
    },
  };
}
