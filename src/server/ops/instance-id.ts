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
 * Sets the status key to the claim (expiring as a status does) if it still holds what was read
 * (`''`: nothing), or nothing at all (what was read expired since: a crashed instance's status
 * read at the end of its life): two starts that both found the id free cannot both take it,
 * since the first one's claim is something the second did not read.
 * KEYS: status. ARGV: claim, ttl ms, what was read.
 */
const CLAIM_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/**
 * Takes `id` for this instance, making sure no live instance uses it: two instances under one
 * id overwrite each other's status (the console sees one or the other), and a restart of that
 * id drains both. The status of an instance that crashed lingers up to {@link STATUS_TTL_MS}:
 * one written on this machine by a process that no longer runs is gone at once; any other is
 * watched until it expires (fine: its instance is gone) or is written again (refused: it is
 * live). The id is then claimed with `claim` (a status of this instance) in one step with the
 * look that found it free: of two starts at once, one takes it and the other is refused. The
 * claim lives as a status does; the instance's first beat writes its status over it.
 */
export async function ensureIdFree(
  redis: Redis | Cluster,
  keys: Keys,
  id: string,
  claim: () => InstanceStatus,
  /** Told once when the start waits to see whether the status found is still written. */
  waiting: (found: InstanceStatus, forMs: number) => void = () => undefined,
  sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
): Promise<void> {
  const key = keys.instance(id);
  const parse = (raw: string | null): InstanceStatus | undefined => {
    if (raw === null) return undefined;
    try {
      const parsed = InstanceStatus.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined; // not a status this program wrote: nothing to watch
    }
  };
  const refused = (now: InstanceStatus | undefined): IdInUseError => {
    const who = now
      ? `boot ${now.bootId}, pid ${now.pid} at ${now.hostname ?? now.host}:${now.port}`
      : 'it was taken as this one started';
    return new IdInUseError(
      `instance id "${id}" is in use by a live instance (${who}): give this one another id ` +
        '(--id, CHAT_INSTANCE_ID)',
    );
  };
  /** Claims the id if its key still holds `seen`; refused if something else wrote it. */
  const take = async (seen: string | null): Promise<void> => {
    const doc = JSON.stringify(claim());
    const ok = await redis.eval(CLAIM_SCRIPT, 1, key, doc, STATUS_TTL_MS, seen ?? '');
    if (ok !== 1) throw refused(parse(await redis.get(key)));
  };
  const firstRaw = await redis.get(key);
  const first = parse(firstRaw);
  if (!first) return take(firstRaw);
  // Its process on this machine is gone: a crash, and the status is what it left. Not when it
  // had this process's pid: containers of one image (a copied or scaled service) share a name
  // and a pid, so that says nothing, and its status is watched like any other.
  if (first.hostname === os.hostname() && first.pid !== process.pid && !pidRuns(first.pid)) {
    return take(firstRaw);
  }
  const until = Date.now() + STATUS_TTL_MS + 1000;
  waiting(first, STATUS_TTL_MS + 1000);
  let seen: string | null = firstRaw;
  while (Date.now() < until) {
    await sleep(LOOK_AGAIN_MS);
    seen = await redis.get(key);
    const now = parse(seen);
    if (!now) return take(seen);
    if (now.updatedAt !== first.updatedAt || now.bootId !== first.bootId) throw refused(now);
  }
  // Not written again for longer than a status lives: whatever wrote it no longer does.
  return take(seen);
}
