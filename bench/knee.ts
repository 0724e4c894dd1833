/**
 * The scale section's fan-out knee: a climb's rows and the criteria its steps are judged by,
 * shared by the climb (bench/scale.ts) and the capacity model's validation
 * (bench/validate-capacity.ts).
 */

/** A step passes with its p99 under this... */
export const KNEE_P99_MS = 500;
/** ...and at least this share of its deliveries made (%). */
export const KNEE_DELIVERED_PCT = 99;

export interface KneeStep {
  /** The input rate asked of the generators (msgs/s). */
  rate: number;
  p99: number;
  deliveredPct: number;
  /** The rate the generators sent. */
  sentPerSec?: number;
  /** Sends of the step (its warm-up too) that the servers did not store, by why. */
  failedSends?: Record<string, number>;
}

export interface KneeRow {
  redis: string;
  instances: number;
  /** Each step in the order it ran (the climb, then the halvings). */
  steps: KneeStep[];
  /** The highest rate that passed. */
  knee: number;
  /** The climb stopped at a step that passed but was sent below 90 % of its target: that rate. */
  generatorLimit?: number;
  error?: string;
}

/** A step that passes: p99 and deliveries within the criteria. */
export const passes = (s: KneeStep): boolean =>
  s.p99 < KNEE_P99_MS && s.deliveredPct >= KNEE_DELIVERED_PCT;

/** Whether the climb found the knee: a step above it failed (p99 or deliveries). */
export function kneeReached(k: KneeRow): boolean {
  return k.steps.some((s) => s.rate > k.knee && !passes(s));
}
