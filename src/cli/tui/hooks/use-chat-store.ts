import { useSyncExternalStore } from 'react';
import type { ChatStore, Snapshot } from '../state/chat-store.js';

/** The store's current snapshot; re-renders when it changes. */
export function useChatStore(store: ChatStore): Snapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
