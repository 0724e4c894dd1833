/**
 * The tab of `/window N` (counted from 1, as the tab bar shows) as an index into `count`
 * tabs, or the usage line saying what N may be.
 */
export function tabIndex(arg: string | undefined, count: number): number | string {
  const n = Number(arg);
  if (arg && Number.isInteger(n) && n >= 1 && n <= count) return n - 1;
  const range = count === 0 ? 'no room is joined' : `1 to ${count}`;
  return `usage: /window <number of a tab> (${range})`;
}

/**
 * Alt-A / Ctrl-X: the next room after `active` (wrapping) that names the user in an unread
 * message, else the next with any unread; undefined when no other room has unread messages.
 */
export function nextUnreadRoom(
  order: readonly string[],
  active: string | undefined,
  unread: (room: string) => number,
  mentions: (room: string) => number,
): string | undefined {
  const n = order.length;
  const at = active ? order.indexOf(active) : -1;
  const after = Array.from({ length: n }, (_, k) => order[(at + 1 + k) % n]!).filter(
    (r) => r !== active && unread(r) > 0,
  );
  return after.find((r) => mentions(r) > 0) ?? after[0];
}
