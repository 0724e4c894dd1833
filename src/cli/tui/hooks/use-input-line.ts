import { useCallback, useRef, useState } from 'react';

export interface InputLine {
  value: string;
  insert(text: string): string;
  backspace(): string;
  deleteWord(): string;
  clear(): string;
  /** Returns the line and empties it (Enter). */
  take(): string;
  /** Steps through earlier input (Up: -1, Down: +1). */
  recall(history: readonly string[], step: -1 | 1): string;
}

const MAX_INPUT = 2000;

/**
 * The input line's text. It lives in a ref as well as in state: Enter typed right after the
 * text must see the text, even before React re-rendered.
 */
export function useInputLine(): InputLine {
  const ref = useRef('');
  const recallAt = useRef<number | undefined>(undefined);
  const [value, setValue] = useState('');
  const set = useCallback((v: string): string => {
    ref.current = v.slice(0, MAX_INPUT);
    setValue(ref.current);
    return ref.current;
  }, []);
  return {
    value,
    insert: (text) => {
      recallAt.current = undefined;
      return set(ref.current + text);
    },
    backspace: () => set(Array.from(ref.current).slice(0, -1).join('')),
    deleteWord: () => set(ref.current.replace(/\S+\s*$/, '')),
    clear: () => set(''),
    take: () => {
      const v = ref.current;
      recallAt.current = undefined;
      set('');
      return v;
    },
    recall: (history, step) => {
      if (history.length === 0) return ref.current;
      const at = recallAt.current ?? history.length;
      const next = Math.max(0, Math.min(history.length, at + step));
      recallAt.current = next;
      return set(history[next] ?? '');
    },
  };
}
