/** A least-squares line through points; undefined without two distinct x values. */
export function lineFit(
  points: { x: number; y: number }[],
): { slope: number; intercept: number } | undefined {
  if (new Set(points.map((p) => p.x)).size < 2) return undefined;
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  const cov = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const vx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const slope = cov / vx;
  return { slope, intercept: my - slope * mx };
}

/** The middle value (the mean of the two middle ones for an even count); 0 for none. */
export const median = (xs: number[]): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
