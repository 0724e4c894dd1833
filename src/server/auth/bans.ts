import { Ban } from '../../protocol/index.js';

/** A ban as Redis keeps it (JSON at `user:{<name>}:ban`); null when absent or unreadable. */
export function parseBan(raw: string | null | undefined): Ban | null {
  if (!raw) return null;
  try {
    const parsed = Ban.safeParse(JSON.parse(raw));
    // Something unreadable at the key still bans: a ban must never fail open.
    return parsed.success ? parsed.data : { since: 0 };
  } catch {
    return { since: 0 };
  }
}

/** "40 s", "59 min", "3 h", "2 days": how long is left, in words. */
function left(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.ceil(ms / 1000))} s`;
  const min = Math.ceil(ms / 60_000);
  if (min < 120) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/**
 * What the banned user is told (login refused, handshake refused, session ended): that the
 * account is banned, until when (UTC, and how long is left) and why, if the operator said.
 */
export function banMessage(user: string, ban: Ban, now = Date.now()): string {
  const until =
    ban.until === undefined
      ? ''
      : ` until ${new Date(ban.until).toISOString().slice(0, 16).replace('T', ' ')} UTC (${left(ban.until - now)} left)`;
  return `the account "${user}" is banned${until}${ban.reason ? `: ${ban.reason}` : ''}`;
}
