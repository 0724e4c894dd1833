import { useStdout } from 'ink';
import { useEffect } from 'react';
import type { ChatStore } from '../state/chat-store.js';

const BEL = '\x07';

/**
 * Rings the terminal bell when the store asks (a mention, a DM), and writes the escape
 * sequence of a desktop notification (the `notify` setting). Both go through Ink's stdout,
 * which writes them between frames: a raw write would land in the middle of one.
 */
export function useBell(store: ChatStore): void {
  const { write } = useStdout();
  useEffect(() => {
    store.onBell = () => write(BEL);
    store.onNotify = (sequence) => write(sequence);
    return () => {
      store.onBell = undefined;
      store.onNotify = undefined;
    };
  }, [store, write]);
}
