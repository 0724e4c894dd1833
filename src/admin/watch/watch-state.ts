import type { InstanceRow, StatusDocument } from '../status-document.js';

/** How many rate samples each instance's sparkline keeps (one per second). */
export const HISTORY_LENGTH = 30;

/** An instance that was live and stopped answering: shown as gone, never with old counts. */
export interface GoneInstance {
  id: string;
  bootId: string;
  lastSeenAt: number;
}

/** Everything the watch view draws; built by `nextWatchState`, no React involved. */
export interface WatchState {
  doc: StatusDocument | null;
  /**
   * Messages in+out per second, oldest first, per boot id: an instance replaced under the same
   * name starts a history of its own.
   */
  history: Record<string, number[]>;
  gone: GoneInstance[];
  updatedAt: number | null;
  /** Set when the last request failed: then no counts are shown at all. */
  error: { message: string; since: number } | null;
}

export const initialWatchState: WatchState = {
  doc: null,
  history: {},
  gone: [],
  updatedAt: null,
  error: null,
};

const rate = (i: InstanceRow): number => i.msgsInPerSec + i.msgsOutPerSec;

/** Folds one poll's outcome (a document or an error) into the state. */
export function nextWatchState(
  prev: WatchState,
  next: { doc: StatusDocument } | { error: string },
  now: number,
): WatchState {
  if ('error' in next) {
    return {
      ...prev,
      doc: null,
      error: { message: next.error, since: prev.error?.since ?? now },
    };
  }
  const live = new Map(next.doc.instances.map((i) => [i.id, i]));
  const lastDoc = prev.doc;
  const newlyGone: GoneInstance[] = (lastDoc?.instances ?? [])
    .filter((i) => !live.has(i.id))
    .map((i) => ({ id: i.id, bootId: i.bootId, lastSeenAt: prev.updatedAt ?? now }));
  const gone = [...prev.gone.filter((g) => !live.has(g.id)), ...newlyGone].slice(-10);
  const history: Record<string, number[]> = {};
  for (const i of next.doc.instances) {
    history[i.bootId] = [...(prev.history[i.bootId] ?? []), rate(i)].slice(-HISTORY_LENGTH);
  }
  return { doc: next.doc, history, gone, updatedAt: now, error: null };
}
