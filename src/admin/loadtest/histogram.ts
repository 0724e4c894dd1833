import hdr from 'hdr-histogram-js';

type Histogram = ReturnType<typeof hdr.build>;
export type { Histogram };

/** Latencies are recorded in microseconds, from 1 µs to 1 hour, with 3 significant digits. */
export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records a duration given in milliseconds. */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(3_600_000_000, Math.max(1, Math.round(ms * 1000))));
}

export const encode = (h: Histogram): string => hdr.encodeIntoCompressedBase64(h);

/** Adds encoded histograms (from workers) into one. */
export function merge(encoded: string[]): Histogram {
  const total = newHistogram();
  for (const e of encoded) total.add(hdr.decodeFromCompressedBase64(e));
  return total;
}

/** Percentiles in milliseconds (0.01 ms resolution); all zero when nothing was recorded. */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const ms = (us: number): number => Math.round(us / 10) / 100;

export function percentiles(h: Histogram): Percentiles {
  if (h.totalCount === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}
