/**
 * Runs the local cluster's private redis-server and ties its life to the supervisor's.
 *
 * The supervisor forks this with an IPC channel. The channel closes however the supervisor
 * ends, SIGKILL included (the kernel closes its end), and then Redis is stopped here. Without
 * it a SIGKILLed supervisor left Redis running, reparented to init, holding its socket and
 * appending to the data directory the next start would use.
 *
 * argv: <lock file> <redis-server arguments...>
 */
import { spawn } from 'node:child_process';
import type { WatchdogMessage } from './ipc.js';
import { releaseRedisLock } from './redis-lock.js';

/** Redis gets this long to write its append-only file and exit before SIGKILL. */
const KILL_AFTER_MS = 3000;

const [lockFile, ...args] = process.argv.slice(2);

function tell(msg: WatchdogMessage): void {
  if (process.send && process.connected) process.send(msg);
}

const redis = spawn('redis-server', args, { stdio: 'ignore' });
let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  redis.kill('SIGTERM');
  setTimeout(() => redis.kill('SIGKILL'), KILL_AFTER_MS).unref();
}

redis.once('spawn', () => tell({ type: 'started', pid: redis.pid ?? 0 }));
redis.once('error', (err) => {
  tell({ type: 'error', message: `cannot run redis-server: ${err.message}` });
  process.exit(1);
});
redis.once('exit', (code, signal) => {
  if (lockFile) releaseRedisLock(lockFile, redis.pid ?? 0);
  process.exit(code ?? (signal ? 1 : 0));
});
process.on('disconnect', stop);
process.on('SIGTERM', stop);
// A terminal's Ctrl-C is the supervisor's to handle: it stops Redis last, after the drains.
process.on('SIGINT', () => undefined);
