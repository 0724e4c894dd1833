import type { ChatServer, ChatSocket } from './context.js';
import type { Logger } from './logger.js';
import type { Sessions } from './sessions.js';

/** Sessions checked per batch: bounds the commands in flight at once. */
const BATCH = 1000;

/**
 * Ends this instance's sockets whose session vanished from Redis (a FLUSHALL, a deleted key,
 * a logout whose broadcast this instance missed) every `everyMs`, instead of only at their
 * next reconnect, and tells every instance to stop trusting them. Each distinct session with a live socket here costs one command a round,
 * however many sockets share it. A socket ended this way reconnects, and the handshake
 * refuses it with `unauthorized`: the client asks its user to log in again.
 *
 * While Redis is unreachable a round fails and nothing is ended: only a session Redis says
 * is gone ends its sockets. Returns a function that stops the watch.
 */
export function watchSessions(
  io: ChatServer,
  sessions: Sessions,
  log: Logger,
  everyMs: number,
): () => void {
  let running = false;
  const check = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const byHash = new Map<string, ChatSocket[]>();
      for (const s of io.of('/').sockets.values()) {
        const list = byHash.get(s.data.sessionHash);
        if (list) list.push(s);
        else byHash.set(s.data.sessionHash, [s]);
      }
      const hashes = [...byHash.keys()];
      let ended = 0;
      for (let i = 0; i < hashes.length; i += BATCH) {
        const batch = hashes.slice(i, i + BATCH);
        const alive = await sessions.alive(batch);
        const gone = batch.filter((h) => !alive.has(h));
        // Every instance drops them from its session cache before the sockets reconnect.
        if (gone.length > 0) await sessions.forget(gone);
        for (const h of gone) {
          for (const s of byHash.get(h) ?? []) {
            if (!s.connected) continue;
            s.disconnect(true);
            ended++;
          }
        }
      }
      if (ended > 0) log.info({ sockets: ended }, 'sockets of vanished sessions ended');
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'session check deferred');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
