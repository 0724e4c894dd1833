const BARS = '▁▂▃▄▅▆▇█';

/** A one-line chart of the values, scaled to their own maximum. */
export function sparkline(values: number[], width: number): string {
  const tail = values.slice(-width);
  const max = Math.max(...tail, 0);
  const line = tail
    .map((v) =>
      max <= 0
        ? BARS[0]
        : BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))],
    )
    .join('');
  return line.padStart(width, ' ');
}
