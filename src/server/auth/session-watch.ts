import type { SessionEnded } from '../../protocol/index.js';
import type { ChatServer } from '../transport/io-types.js';
import type { Logger } from '../ops/logger.js';
import { refusal, type Refused, type Sessions } from './sessions.js';
import type { SocketEndings } from './socket-endings.js';

/** Sessions checked per batch: bounds the commands in flight at once. */
const BATCH = 1000;
/**
 * A sweep is spread over its interval in this many slices, so holding N idle sockets costs
 * an even N / interval commands a second instead of N at once every interval (a burst that
 * also made the idle bench's CPU figure depend on whether its window held one).
 */
const SLICES = 60;

/**
 * What a socket whose session went bad is told before it is disconnected: a session ended
 * lately (a logout, a kick, a ban, a deletion: this sweep may run beside the request that ended
 * it, before its own notice arrives) and a deleted or banned account say why; a session that
 * merely vanished says nothing (the reconnect is refused `unauthorized`, and the client asks
 * to log in again).
 */
function endingOf(bad: Refused): SessionEnded | undefined {
  const { ended, message } = refusal(bad);
  return ended ? { reason: ended, message } : undefined;
}

/**
 * Ends this instance's sockets whose session is no longer good in Redis (a FLUSHALL, a deleted
 * key, an account deleted or registered anew behind the server's back, a logout whose
 * broadcast this instance missed), instead of only at their next reconnect, and tells every
 * instance to stop trusting them. A sweep checks every distinct session with a live socket
 * here (one script each, reading session, account and ban together, however many sockets
 * share it), spread evenly over `everyMs` (minutes: a sweep for keys deleted one by one). A
 * full check runs at once when `checkNow` is called: the heartbeat does when Redis lost its
 * data (its own status key vanished), and the session cache when it hears revocations again
 * after a gap. So holding N idle sockets costs N commands per `everyMs`, and a flushed Redis
 * is noticed within about a second. A socket ended this way is told why when its account was
 * deleted or banned; otherwise it reconnects, and the handshake refuses it with
 * `unauthorized`: the client asks its user to log in again.
 *
 * While Redis is unreachable a check fails and nothing is ended: only a session Redis says is
 * gone ends its sockets; a full check asked for meanwhile runs once Redis answers again. What
 * it ended is noted in `endings`, by session, for the operator's change that ended the session
 * to count (it may ask after the watch got there).
 */
export interface SessionWatch {
  /** Runs a full check as soon as possible (`why` is logged). */
  checkNow(why: string): void;
  stop(): void;
}

interface Checked {
  user: string;
  hash: string;
}

/** The distinct sessions of the live sockets. */
function liveSessions(io: ChatServer): Checked[] {
  const byHash = new Map<string, string>();
  for (const s of io.of('/').sockets.values()) byHash.set(s.data.sessionHash, s.data.user);
  return [...byHash].map(([hash, user]) => ({ user, hash }));
}

export function watchSessions(
  io: ChatServer,
  sessions: Sessions,
  log: Logger,
  everyMs: number,
  endings: SocketEndings,
): SessionWatch {
  /** Checks `list`, ends the sockets of the bad ones; returns how many sockets it ended. */
  const checkList = async (list: Checked[]): Promise<number> => {
    let ended = 0;
    for (let i = 0; i < list.length; i += BATCH) {
      const { bad, unreadable } = await sessions.check(list.slice(i, i + BATCH));
      if (unreadable.length > 0) {
        log.warn(
          {
            users: [...new Set(unreadable.map((u) => u.user))].slice(0, 20),
            sessions: unreadable.length,
            error: unreadable[0]!.error,
          },
          'sessions whose keys hold what the server did not write could not be checked; their sockets are left as they are',
        );
      }
      if (bad.size === 0) continue;
      // Every instance drops them from its session cache before the sockets reconnect.
      await sessions.forget([...bad.keys()]);
      const bySession = new Map<string, number>();
      for (const s of [...io.of('/').sockets.values()]) {
        const hash = s.data.sessionHash;
        const why = bad.get(hash);
        if (!why || !s.connected) continue;
        const ending = endingOf(why);
        if (ending) s.emit('session:ended', ending);
        s.disconnect(true);
        // Only a session something ended (a logout, a kick, a ban, a deletion) has a request
        // that may ask for its sockets; one that merely vanished has none.
        if (ending) bySession.set(hash, (bySession.get(hash) ?? 0) + 1);
        ended++;
      }
      for (const [hash, n] of bySession) endings.note(hash, n);
    }
    return ended;
  };

  let running = false;
  /** A full check was asked for while one ran, or failed: run (again) at the next chance. */
  let owed = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  /** What is left of the current sweep, and where it is. */
  let sweep: Checked[] = [];
  let at = 0;
  let perSlice = 0;
  let sweptAt = -Infinity;

  const run = async (list: () => Checked[], full: boolean): Promise<void> => {
    if (running) {
      if (full) owed = true;
      return;
    }
    running = true;
    if (full) owed = false;
    try {
      const ended = await checkList(list());
      if (ended > 0) log.info({ sockets: ended }, 'sockets of vanished sessions ended');
    } catch (err) {
      if (full) owed = true;
      log.debug({ err: (err as Error).message }, 'session check deferred');
    } finally {
      running = false;
    }
    // A full check owed (asked for while one ran, or failed) runs a second later.
    if (owed && !stopped && !retry) {
      retry = setTimeout(() => {
        retry = undefined;
        void run(() => liveSessions(io), true);
      }, 1000);
      retry.unref();
    }
  };

  const slice = (): void => {
    if (at >= sweep.length) {
      // The sweep is done: the next one starts `everyMs` after this one did.
      if (performance.now() - sweptAt < everyMs) return;
      sweptAt = performance.now();
      sweep = liveSessions(io);
      at = 0;
      perSlice = Math.ceil(sweep.length / SLICES);
    }
    if (running || sweep.length === 0) return;
    const part = sweep.slice(at, at + perSlice);
    // A slice that fails is not checked again this sweep: the next sweep has it.
    at += perSlice;
    void run(() => part, false);
  };
  const timer = setInterval(slice, Math.max(1, Math.floor(everyMs / SLICES)));
  timer.unref();
  return {
    checkNow(why) {
      if (stopped) return;
      log.info({ why }, 'checking the sessions of live sockets now');
      void run(() => liveSessions(io), true);
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(retry);
    },
  };
}
