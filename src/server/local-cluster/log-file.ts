import { renameSync, statSync } from 'node:fs';
import path from 'node:path';

/** Past this size the log is started afresh at the next start, the old one kept as `.1`. */
const KEEP_BYTES = 10 * 1024 * 1024;

/**
 * The local cluster's log file in its (private) state directory: where the supervisor and
 * its instances write every log line while the terminal shows only warnings and errors.
 */
export function clusterLogFile(stateDir: string): string {
  const file = path.join(stateDir, 'cluster.log');
  try {
    if (statSync(file).size > KEEP_BYTES) renameSync(file, `${file}.1`);
  } catch {
    // No log yet.
  }
  return file;
}
