import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readServerUrl } from '../../shared/cluster-url.js';
import { parseLock, pidRuns, removeIfStill, takeLockFile } from './redis-lock.js';

/**
 * Who runs a local cluster from a state directory. Its admin token and the URL `chat-admin`
 * reads are the directory's, whatever Redis the cluster uses: a second `chat-server start`
 * on it would write its own URL over the first's (the console then finds neither), and its
 * instances, named chat-1.. as the first's are, would share their ids on the same Redis. So
 * `start` takes this lock first and refuses a directory whose cluster still runs.
 */
const LOCK_FILE = 'cluster.lock';

const LockFile = z.object({ supervisorPid: z.number().int().positive(), startedAt: z.number() });

/**
 * Takes the state directory's lock, replacing a stale one; throws, naming the running
 * cluster, when it is held. Returns its release, which removes the lock only while it is
 * still this process's.
 */
export function acquireClusterLock(stateDir: string): () => void {
  const file = path.join(stateDir, LOCK_FILE);
  takeLockFile(
    file,
    { supervisorPid: process.pid, startedAt: Date.now() },
    LockFile,
    (other) => other.supervisorPid !== process.pid && pidRuns(other.supervisorPid, 'node'),
    (other) => {
      const url = readServerUrl(stateDir)?.url;
      return new Error(
        `a local cluster already runs from ${stateDir} (chat-server pid ${other.supervisorPid}` +
          `${url ? `, ${url}` : ''}): stop it first (Ctrl-C in its terminal, or kill ` +
          `${other.supervisorPid}), or give this one another --state-dir`,
      );
    },
  );
  return () => {
    let raw: string;
    try {
      raw = readFileSync(file, 'utf8');
    } catch {
      return; // already gone
    }
    if (parseLock(raw, LockFile)?.supervisorPid !== process.pid) return;
    removeIfStill(file, raw);
  };
}
