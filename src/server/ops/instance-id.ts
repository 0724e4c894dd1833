import os from 'node:os';
import type { Redis, Cluster } from 'ioredis';
import { InstanceStatus } from '../../protocol/index.js';
import { pidRuns } from '../local-cluster/redis-lock.js';
import type { Keys } from '../redis/keys.js';
import { STATUS_TTL_MS } from './status.js';

/** The exit code of an instance refused for its id (a supervisor stops trying, see there). */
export const EXIT_ID_IN_USE = 78;

/** An id a live instance uses. */
export class IdInUseError extends Error {}

/** How often a start that found its id's status looks at it again. */
const LOOK_AGAIN_MS = 250;

/**
 * Makes sure no live instance uses `id`: two instances under one id overwrite each other's
 * status (the console sees one or the other), and a restart of that id drains both. The
 * status of an instance that crashed lingers up to {@link STATUS_TTL_MS}: one written on this
 * machine by a process that no longer runs is gone at once; any other is watched until it
 * expires (fine: its instance is gone) or is written again (refused: it is live).
 */
export async function ensureIdFree(
  redis: Redis | Cluster,
  keys: Keys,
  id: string,
  sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
): Promise<void> {
  const read = async (): Promise<InstanceStatus | undefined> => {
    const raw = await redis.get(keys.instance(id));
    if (raw === null) return undefined;
    try {
      const parsed = InstanceStatus.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined; // not a status this program wrote: nothing to watch
    }
  };
  const first = await read();
  if (!first) return;
  // Its process on this machine is gone: a crash, and the status is what it left. Not when it
  // had this process's pid: containers of one image (a copied or scaled service) share a name
  // and a pid, so that says nothing, and its status is watched like any other.
  if (first.hostname === os.hostname() && first.pid !== process.pid && !pidRuns(first.pid)) {
    return;
  }
  const until = Date.now() + STATUS_TTL_MS + 1000;
  while (Date.now() < until) {
    await sleep(LOOK_AGAIN_MS);
    const now = await read();
    if (!now) return;
    if (now.updatedAt !== first.updatedAt || now.bootId !== first.bootId) {
      const where = `${now.hostname ?? now.host}:${now.port}`;
      throw new IdInUseError(
        `instance id "${id}" is in use by a live instance (boot ${now.bootId}, pid ${now.pid} ` +
          `at ${where}): give this one another id (--id, CHAT_INSTANCE_ID)`,
      );
    }
  }
}
