import type { ChatServer, ChatSocket } from './context.js';
import type { Logger } from './logger.js';
import type { Sessions } from './sessions.js';

/** Sessions checked per batch: bounds the commands in flight at once. */
const BATCH = 1000;

/**
 * Ends this instance's sockets whose session vanished from Redis (a FLUSHALL, a deleted key,
 * a logout whose broadcast this instance missed), instead of only at their next reconnect,
 * and tells every instance to stop trusting them. A round checks every distinct session with
 * a live socket here (one command each, however many sockets share it). Rounds run every
 * `everyMs` (minutes: a sweep for keys deleted one by one), and at once when `checkNow` is
 * called: the heartbeat does when Redis lost its data (its own status key vanished), and the
 * session cache when it hears revocations again after a gap. So holding N idle sockets costs
 * N commands per `everyMs`, not per few seconds, and a flushed Redis is noticed within
 * about a second. A socket ended this way reconnects, and the handshake refuses it with
 * `unauthorized`: the client asks its user to log in again.
 *
 * While Redis is unreachable a round fails and nothing is ended: only a session Redis says
 * is gone ends its sockets; a round asked for meanwhile runs once Redis answers again.
 */
export interface SessionWatch {
  /** Runs a round as soon as possible (`why` is logged). */
  checkNow(why: string): void;
  stop(): void;
}

export function watchSessions(
  io: ChatServer,
  sessions: Sessions,
  log: Logger,
  everyMs: number,
): SessionWatch {
  let running = false;
  /** A round was asked for while one ran, or failed: run (again) at the next chance. */
  let owed = false;
  const check = async (): Promise<void> => {
    if (running) {
      owed = true;
      return;
    }
    running = true;
    owed = false;
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
      owed = true;
      log.debug({ err: (err as Error).message }, 'session check deferred');
    } finally {
      running = false;
    }
    // A round owed (asked for while one ran, or failed) runs a second later.
    if (owed && !stopped && !retry) {
      retry = setTimeout(() => {
        retry = undefined;
        void check();
      }, 1000);
      retry.unref();
    }
  };
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const timer = setInterval(() => void check(), everyMs);
  timer.unref();
  return {
    checkNow(why) {
      if (stopped) return;
      log.info({ why }, 'checking the sessions of live sockets now');
      void check();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(retry);
    },
  };
}
