import type { Histogram } from './histogram.js';
import type { SentRef } from './messages.js';

/** What every virtual user of a worker shares: its histograms and its running counts. */
export interface VuSink {
  latency: Histogram;
  connect: Histogram;
  /** Connection lost to room resumed, per outage. */
  resume: Histogram;
  /** Connections lost after joining, by the instance they were on. */
  lostFrom: Map<string, number>;
  /** The same losses by why they happened: `<instance>: <reason>` (e.g. `chat-1: ping timeout`). */
  lostWhy: Map<string, number>;
  /** Reconnect attempts that failed while a user was away from its room, by reason. */
  retries: Map<string, number>;
  /** Acknowledged sends, by room, in the order they were acknowledged. */
  sent: Map<string, SentRef[]>;
  counts: { sent: number; sendFailed: number; delivered: number; duplicated: number };
  errors: Map<string, number>;
}

/** What one virtual user was owed of its room, and got. */
export interface VuTally {
  expected: number;
  delivered: number;
  lost: number;
}

/** Counts an error by its reason. */
export function countError(sink: VuSink, reason: string): void {
  sink.errors.set(reason, (sink.errors.get(reason) ?? 0) + 1);
}
