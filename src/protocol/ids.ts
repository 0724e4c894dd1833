/**
 * Orders two message ids (Redis stream ids, `<ms>-<n>`) numerically: negative when `a` is
 * older, positive when newer, 0 when equal. String comparison is wrong for them.
 *
 * It allocates nothing: both parts are decimal without leading zeros, so a shorter part is
 * smaller, and parts of equal length compare as strings do. Clients compare on every message
 * they receive, so this is on their hot path.
 */
export function compareIds(a: string, b: string): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const msA = da < 0 ? a.length : da;
  const msB = db < 0 ? b.length : db;
  if (msA !== msB) return msA < msB ? -1 : 1;
  const c = comparePart(a, 0, b, 0, msA);
  if (c !== 0) return c;
  const sa = da < 0 ? a.length : da + 1;
  const sb = db < 0 ? b.length : db + 1;
  const la = a.length - sa;
  const lb = b.length - sb;
  if (la !== lb) return la < lb ? -1 : 1;
  return comparePart(a, sa, b, sb, la);
}

function comparePart(a: string, ia: number, b: string, ib: number, n: number): number {
  for (let k = 0; k < n; k++) {
    const d = a.charCodeAt(ia + k) - b.charCodeAt(ib + k);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
