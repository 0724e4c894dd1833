import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';
import { KeyDecoder, type Key } from '../key-decoder.js';

/**
 * How long a bracketed paste may go without its next read before it is taken as ended (its
 * end marker lost): a paste arrives in reads a few milliseconds apart.
 */
export const PASTE_IDLE_MS = 1000;

/**
 * Calls `onKey` for every key the user presses, in order, and once for every paste.
 *
 * Ink's `useInput` hands a whole read to its handler as one string and parses only its first
 * key, so `abcd<DEL>e` typed in a burst lost its Backspace. This hook reads Ink's input
 * events instead (`internal_eventEmitter`, what `useInput` itself listens to: reads already
 * split at escape sequences, a sequence split between reads already joined) and decodes
 * each one key by key. It relies on that part of Ink beyond its documented surface; a test
 * (test/cli/keys-burst.test.tsx) fails if an upgrade changes it.
 */
export function useKeys(onKey: (key: Key) => void): void {
  const { setRawMode, internal_eventEmitter: events, internal_exitOnCtrlC } = useStdin();
  const handler = useRef(onKey);
  handler.current = onKey;

  useEffect(() => {
    setRawMode(true);
    return () => setRawMode(false);
  }, [setRawMode]);

  useEffect(() => {
    const decoder = new KeyDecoder();
    let idle: NodeJS.Timeout | undefined;
    const deliver = (keys: Key[]): void => {
      for (const k of keys) {
        // Ink quits on Ctrl-C by itself when told to.
        if (internal_exitOnCtrlC && k.name === 'chord' && k.ctrl && k.text === 'c') continue;
        handler.current(k);
      }
    };
    const onInput = (chunk: string): void => {
      clearTimeout(idle);
      deliver(decoder.push(chunk));
      if (decoder.pasting) idle = setTimeout(() => deliver(decoder.flush()), PASTE_IDLE_MS);
    };
    events.on('input', onInput);
    return () => {
      clearTimeout(idle);
      events.off('input', onInput);
    };
  }, [events, internal_exitOnCtrlC]);
}
