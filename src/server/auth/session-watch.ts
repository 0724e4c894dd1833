import { SessionEndReason, type SessionEnded } from '../../protocol/index.js';
import type { ChatServer, ChatSocket } from '../transport/io-types.js';
import type { Logger } from '../ops/logger.js';
import { refusal, type Refused, type Sessions } from './sessions.js';

/** Sessions checked per batch: bounds the commands in flight at once. */
const BATCH = 1000;

/**
 * What a socket whose session went bad is told before it is disconnected: a deleted or banned
 * account says so; a session that merely vanished says nothing (the reconnect is refused
 * `unauthorized`, and the client asks to log in again).
 */
function endingOf(bad: Refused): SessionEnded | undefined {
  if (bad.why === 'invalid') return undefined;
  const reason = bad.why === 'banned' ? SessionEndReason.Banned : SessionEndReason.AccountDeleted;
  return { reason, message: refusal(bad).message };
}

/**
 * Ends this instance's sockets whose session is no longer good in Redis (a FLUSHALL, a deleted
 * key, an account deleted or registered anew behind the server's back, a logout whose
 * broadcast this instance missed), instead of only at their next reconnect, and tells every
 * instance to stop trusting them. A round checks every distinct session with a live socket
 * here (one script each, reading session, account and ban together, however many sockets
 * share it). Rounds run every `everyMs` (minutes: a sweep for keys deleted one by one), and
 * at once when `checkNow` is called: the heartbeat does when Redis lost its data (its own
 * status key vanished), and the session cache when it hears revocations again after a gap.
 * So holding N idle sockets costs N commands per `everyMs`, not per few seconds, and a
 * flushed Redis is noticed within about a second. A socket ended this way is told why when
 * its account was deleted or banned; otherwise it reconnects, and the handshake refuses it
 * with `unauthorized`: the client asks its user to log in again.
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
      const byHash = new Map<string, { user: string; sockets: ChatSocket[] }>();
      for (const s of io.of('/').sockets.values()) {
        const entry = byHash.get(s.data.sessionHash);
        if (entry) entry.sockets.push(s);
        else byHash.set(s.data.sessionHash, { user: s.data.user, sockets: [s] });
      }
      const all = [...byHash].map(([hash, { user }]) => ({ user, hash }));
      let ended = 0;
      for (let i = 0; i < all.length; i += BATCH) {
        const bad = await sessions.check(all.slice(i, i + BATCH));
        // Every instance drops them from its session cache before the sockets reconnect.
        if (bad.size > 0) await sessions.forget([...bad.keys()]);
        for (const [h, why] of bad) {
          const ending = endingOf(why);
          for (const s of byHash.get(h)?.sockets ?? []) {
            if (!s.connected) continue;
            if (ending) s.emit('session:ended', ending);
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
