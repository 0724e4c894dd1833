import type { ClusterStatus } from '../protocol/index.js';
import type { AdminClient } from './connection.js';
import { AdminError, ExitCode } from './exit-codes.js';
import { formatDuration, plural } from './output.js';

/** What one restart did, as `restart --json` prints it. */
export interface RestartOutcome {
  instanceId: string;
  oldBootId: string;
  newBootId: string;
  /** From the request to the replacement being ready (and, when rolling, clients back). */
  tookMs: number;
  /** Clients connected to the cluster before the restart and once it was over. */
  clientsBefore: number;
  clientsAfter: number;
}

export interface RestartOptions {
  timeoutMs: number;
  /** Also wait until the cluster has at least as many clients as before (rolling). */
  waitForClients: boolean;
  progress: (line: string) => void;
  pollMs?: number;
}

/** Instances rewrite their status this often (plus a little slack). */
const STATUS_PERIOD_MS = 1100;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Reads the status, tolerating the moments when our own connection is being moved (the
 * instance it was on may be the one restarting): null means "no answer this time".
 */
async function tryStatus(client: AdminClient, timeoutMs: number): Promise<ClusterStatus | null> {
  try {
    const s = await client.call('admin:status', {}, timeoutMs);
    // The instances' own addresses: where to reconnect if ours is the one restarting.
    client.learn(s);
    return s;
  } catch (err) {
    if (err instanceof AdminError && err.unauthorized) throw err;
    return null;
  }
}

/** Polls the status until `done` says it is reached, or the deadline passes (then null). */
async function pollUntil<T>(
  client: AdminClient,
  deadline: number,
  pollMs: number,
  done: (s: ClusterStatus) => T | undefined,
): Promise<T | null> {
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return null;
    const s = await tryStatus(client, Math.min(left, 3000));
    const hit = s ? done(s) : undefined;
    if (hit !== undefined) return hit;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
}

/** The status, asked again while our connection is being moved (up to `timeoutMs`). */
export async function currentStatus(
  client: AdminClient,
  timeoutMs = 15_000,
): Promise<ClusterStatus> {
  const s = await pollUntil(client, Date.now() + timeoutMs, 250, (st) => st);
  if (!s) {
    throw new AdminError(
      ExitCode.Unreachable,
      `no answer to admin:status within ${formatDuration(timeoutMs)}`,
    );
  }
  return s;
}

/** A restart that the instance accepted: it is draining now. */
export interface PendingRestart {
  instanceId: string;
  oldBootId: string;
  requestedAt: number;
  clientsBefore: number;
}

/**
 * Asks one instance to drain. If the answer is lost (our own connection may be on an
 * instance that is going away), the status says whether the request took: the instance is
 * draining, or already has a new boot id.
 */
export async function requestRestart(
  client: AdminClient,
  instanceId: string,
  progress: (line: string) => void,
): Promise<PendingRestart> {
  const requestedAt = Date.now();
  const before = await currentStatus(client);
  const target = before.instances.find((i) => i.id === instanceId);
  if (!target) {
    const live = before.instances.map((i) => i.id).join(', ') || 'none';
    throw new AdminError(ExitCode.Failed, `no live instance ${instanceId} (live: ${live})`);
  }
  let oldBootId = target.bootId;
  try {
    oldBootId = (await client.call('admin:restart', { instanceId })).bootId;
  } catch (err) {
    if (!(err instanceof AdminError) || err.exitCode !== ExitCode.Unreachable) throw err;
    const took = await pollUntil(client, Date.now() + 10_000, 250, (s) => {
      const now = s.instances.find((i) => i.id === instanceId);
      return !now || now.state === 'draining' || now.bootId !== oldBootId ? true : undefined;
    });
    if (!took) throw err;
  }
  progress(
    `${instanceId}: draining (boot ${oldBootId}, ${plural(target.connections, 'client')} to move)`,
  );
  return { instanceId, oldBootId, requestedAt, clientsBefore: before.totals.connections };
}

/**
 * Restarts one instance: asks it to drain, then waits until an instance with the same id and
 * a new boot id reports ready (its supervisor started it again), and, when asked, until the
 * clients it had are connected again somewhere.
 */
export async function restartInstance(
  client: AdminClient,
  instanceId: string,
  opts: RestartOptions,
): Promise<RestartOutcome> {
  return awaitReplacement(client, await requestRestart(client, instanceId, opts.progress), opts);
}

/** Waits for a drained instance's replacement (and, when asked, for its clients). */
export async function awaitReplacement(
  client: AdminClient,
  pending: PendingRestart,
  opts: RestartOptions,
): Promise<RestartOutcome> {
  const { instanceId, oldBootId, clientsBefore, requestedAt: t0 } = pending;
  const pollMs = opts.pollMs ?? 250;
  const deadline = t0 + opts.timeoutMs;

  let sawGone = false;
  const replacement = await pollUntil(client, deadline, pollMs, (s) => {
    const now = s.instances.find((i) => i.id === instanceId);
    if (!now && !sawGone) {
      sawGone = true;
      opts.progress(`${instanceId}: exited; waiting for its replacement`);
    }
    return now && now.bootId !== oldBootId && now.state === 'ready' ? now : undefined;
  });
  if (!replacement) {
    throw new AdminError(
      ExitCode.Failed,
      `${instanceId} did not come back within ${formatDuration(opts.timeoutMs)} ` +
        `(no ready instance with a new boot id); check its supervisor`,
    );
  }
  opts.progress(
    `${instanceId}: replacement ready (boot ${replacement.bootId}) after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  let clientsAfter = clientsBefore;
  if (opts.waitForClients) {
    // Statuses are written once a second, so a client that just moved can briefly count on
    // both instances: the total has to hold on two reads at least a status period apart.
    let last = -1;
    let heldSince: number | undefined;
    const back = await pollUntil(client, deadline, pollMs, (s) => {
      const n = s.totals.connections;
      if (n !== last) {
        last = n;
        opts.progress(`${instanceId}: clients back ${n}/${clientsBefore}`);
      }
      if (n < clientsBefore) {
        heldSince = undefined;
        return undefined;
      }
      heldSince ??= Date.now();
      return Date.now() - heldSince >= STATUS_PERIOD_MS ? n : undefined;
    });
    if (back === null) {
      throw new AdminError(
        ExitCode.Failed,
        `${instanceId}: its clients did not come back within ${formatDuration(opts.timeoutMs)} ` +
          `(${last} of ${clientsBefore} connected)`,
      );
    }
    clientsAfter = back;
  } else {
    const s = await tryStatus(client, 3000);
    if (s) clientsAfter = s.totals.connections;
  }
  return {
    instanceId,
    oldBootId,
    newBootId: replacement.bootId,
    tookMs: Date.now() - t0,
    clientsBefore,
    clientsAfter,
  };
}

/** How a set of restarts went: what finished, and the first failure if any. */
export interface PoolResult {
  done: RestartOutcome[];
  failure?: { instanceId: string; error: unknown };
}

/**
 * Restarts `targets`, at most `limit` at a time: each next one as soon as an earlier one's
 * replacement is ready. After a failure no new restart starts; those under way finish.
 */
export async function restartPool(
  client: AdminClient,
  targets: string[],
  limit: number,
  opts: RestartOptions,
): Promise<PoolResult> {
  const result: PoolResult = { done: [] };
  const queue = [...targets];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined && !result.failure; id = queue.shift()) {
      try {
        result.done.push(await restartInstance(client, id, opts));
      } catch (error) {
        result.failure ??= { instanceId: id, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, targets.length)) }, worker));
  return result;
}

/**
 * How many of `targets` may be down at once: all of them if other live instances keep
 * serving (or `force`), else all but one. Throws when that leaves none to restart.
 */
export function restartLimit(targets: string[], live: string[], force: boolean): number {
  if (force || live.some((id) => !targets.includes(id))) return targets.length;
  if (targets.length < 2) {
    throw new AdminError(
      ExitCode.Usage,
      `${targets[0] ?? 'it'} is the only live instance: restarting it leaves none serving ` +
        `(add --force to do it anyway)`,
    );
  }
  return targets.length - 1;
}
