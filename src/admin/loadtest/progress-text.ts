import type { LiveState } from './runner.js';

/**
 * The words of the live progress, shared by the terminal view (LiveProgress.tsx) and the
 * plain lines (views.ts), so the two say the same thing. Each phase is named while it
 * happens: `users` (accounts made), `ramp` (users connecting), `steady` (all in, sending),
 * `drain` (sending over, every user checks it got every message), `cleanup` (the run's
 * users and rooms removed).
 */

const secs = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** Whether the connected bar is drawn: while users connect and chat, not after. */
export function showsBar(s: LiveState): boolean {
  return s.phase === 'users' || s.phase === 'ramp' || s.phase === 'steady';
}

/** Of the clients asked for, the part connected (the ramp bar and its percentage). */
export function connectedPart(s: LiveState): number {
  return s.requested === 0 ? 1 : Math.min(1, s.connected / s.requested);
}

/**
 * Where the run is, by its phase: time through the sending (never past its length); then
 * the drain, with its bound, and the cleanup, which are no part of that time.
 */
export function phaseDetail(s: LiveState): string {
  const elapsed = Math.min(Math.max(0, s.elapsedMs), s.totalMs);
  switch (s.phase) {
    case 'users':
      return `making ${s.requested} users`;
    case 'ramp':
    case 'steady':
      return `${secs(elapsed)} of ${secs(s.totalMs)} (${s.totalMs === 0 ? 100 : Math.round((elapsed / s.totalMs) * 100)}%)`;
    case 'drain':
      return `checking every delivery, at most ${secs(s.drainMs)}`;
    case 'cleanup':
      return "removing the run's users and rooms";
  }
}

/** The running figures after the connected count (the terminal view colours the failures). */
export function figures(s: LiveState): string {
  // Nothing is sent after the steady phase: a rate would only fall to zero.
  const rate = s.phase === 'ramp' || s.phase === 'steady' ? ` (${s.deliveredPerSec}/s)` : '';
  return `sent ${s.sent} · delivered ${s.delivered}${rate} · p99 ${s.p99Ms} ms`;
}

/** One plain line (stderr when it is not a terminal). */
export function plainLine(s: LiveState): string {
  return (
    `loadtest: ${s.phase} · ${phaseDetail(s)} · connected ${s.connected}/${s.requested}` +
    `${s.failed > 0 ? ` (${s.failed} failed)` : ''} · ${figures(s)}`
  );
}
