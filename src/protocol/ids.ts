/**
 * Orders two message ids (Redis stream ids, `<ms>-<n>`) numerically: negative when `a` is
 * older, positive when newer, 0 when equal. String comparison is wrong for them.
 */
export function compareIds(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('-').map(Number);
  const [bm = 0, bn = 0] = b.split('-').map(Number);
  if (am !== bm) return am < bm ? -1 : 1;
  if (an !== bn) return an < bn ? -1 : 1;
  return 0;
}
