import { useStdout } from 'ink';
import { useEffect } from 'react';
import type { ChatStore } from '../state/chat-store.js';

const BEL = '\x07';

/**
 * Rings the terminal bell when the store asks (a mention). BEL goes through Ink's stdout,
 * which writes it between frames: a raw write would land in the middle of one.
 */
export function useBell(store: ChatStore): void {
  const { write } = useStdout();
  useEffect(() => {
    store.onBell = () => write(BEL);
    return () => {
      store.onBell = undefined;
    };
  }, [store, write]);
}
