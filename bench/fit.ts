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
