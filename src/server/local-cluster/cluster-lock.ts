import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readServerUrl } from '../../shared/cluster-url.js';
import { pidRuns } from './redis-lock.js';

/**
 * Who runs a local cluster from a state directory. Its admin token and the URL `chat-admin`
 * reads are the directory's, whatever Redis the cluster uses: a second `chat-server start`
 * on it would write its own URL over the first's (the console then finds neither), and its
 * instances, named chat-1.. as the first's are, would share their ids on the same Redis. So
 * `start` takes this lock first and refuses a directory whose cluster still runs.
 */
const LOCK_FILE = 'cluster.lock';

const LockFile = z.object({ supervisorPid: z.number().int().positive(), startedAt: z.number() });

function readLock(file: string): z.infer<typeof LockFile> | undefined {
  try {
    const parsed = LockFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // unreadable or half-written: stale
  }
}

/**
 * Takes the state directory's lock (created exclusively, so two starts cannot both win),
 * replacing a stale one; throws, naming the running cluster, when it is held. Returns its
 * release, which removes the lock only while it is still this process's.
 */
export function acquireClusterLock(stateDir: string): () => void {
  const file = path.join(stateDir, LOCK_FILE);
  const mine = { supervisorPid: process.pid, startedAt: Date.now() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        if (readLock(file)?.supervisorPid !== process.pid) return;
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const other = readLock(file);
    if (other && other.supervisorPid !== process.pid && pidRuns(other.supervisorPid, 'node')) {
      const url = readServerUrl(stateDir)?.url;
      throw new Error(
        `a local cluster already runs from ${stateDir} (chat-server pid ${other.supervisorPid}` +
          `${url ? `, ${url}` : ''}): stop it first (Ctrl-C in its terminal, or kill ` +
          `${other.supervisorPid}), or give this one another --state-dir`,
      );
    }
    unlinkSync(file); // stale: its chat-server is gone
  }
  throw new Error(`could not take the lock ${file}`);
}
