/**
 * Wall-clock milliseconds with sub-millisecond resolution. Senders and receivers run in
 * different processes on the same machine, so they share this clock.
 */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** The text a virtual user sends: a marker and the time it was sent. */
export const messageText = (sentAt: number): string => `lt ${sentAt.toFixed(3)}`;

/** The send time carried by a load-test message, or undefined for any other text. */
export function sentAtOf(text: string): number | undefined {
  if (!text.startsWith('lt ')) return undefined;
  const t = Number(text.slice(3));
  return Number.isFinite(t) ? t : undefined;
}
