import { useEffect, useState } from 'react';
import type { StatusDocument } from '../status-document.js';
import { initialWatchState, nextWatchState, type WatchState } from './watch-state.js';

/**
 * Asks for the status every `intervalMs` (the next request only once the last has answered,
 * so a slow server never piles requests up) and folds each outcome into the watch state.
 */
export function useStatusPoll(
  fetchStatus: () => Promise<StatusDocument>,
  intervalMs: number,
): { state: WatchState; now: number } {
  const [view, setView] = useState({ state: initialWatchState, now: Date.now() });
  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async (): Promise<void> => {
      const outcome = await fetchStatus().then(
        (doc) => ({ doc }),
        (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
      );
      if (stopped) return;
      const now = Date.now();
      setView((v) => ({ state: nextWatchState(v.state, outcome, now), now }));
      timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [fetchStatus, intervalMs]);
  return view;
}
