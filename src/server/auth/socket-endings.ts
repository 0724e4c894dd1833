/** How long the sockets the session watch ended are remembered, by session. */
export const SOCKET_ENDINGS_KEEP_MS = 60_000;

/**
 * The sockets this instance's session watch ended, by session, for a minute, so that the
 * operator's change that ended those sessions (a kick, a ban, a deletion) counts them among the
 * sockets it ended. The watch reads the same ended session from Redis, and can read it between
 * the change and the change's request to end the user's sockets here: the sockets are ended
 * either way, and whoever asks by session counts each of them once.
 */
export class SocketEndings {
  /** Session hash → sockets ended, and when; oldest first. */
  private readonly bySession = new Map<string, { sockets: number; at: number }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** The watch ended `sockets` sockets of session `hash` here. */
  note(hash: string, sockets: number): void {
    const now = this.now();
    this.prune(now);
    const before = this.bySession.get(hash);
    this.bySession.delete(hash);
    this.bySession.set(hash, { sockets: sockets + (before?.sockets ?? 0), at: now });
  }

  /** How many sockets of these sessions the watch ended here lately; each is counted once. */
  take(hashes: readonly string[]): number {
    this.prune(this.now());
    let n = 0;
    for (const h of hashes) {
      n += this.bySession.get(h)?.sockets ?? 0;
      this.bySession.delete(h);
    }
    return n;
  }

  private prune(now: number): void {
    for (const [hash, { at }] of this.bySession) {
      if (now - at < SOCKET_ENDINGS_KEEP_MS) break;
      this.bySession.delete(hash);
    }
  }
}
