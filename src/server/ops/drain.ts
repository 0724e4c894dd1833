import type { Server as HttpServer } from 'node:http';
import type { DrainReason } from '../../protocol/index.js';
import type { InstanceContext } from '../context.js';
import { toParent } from '../local-cluster/parent-link.js';
import { quitAll } from '../redis/clients.js';
import type { StatusReporter } from './status.js';

export interface DrainParts {
  ctx: InstanceContext;
  http: HttpServer;
  status: StatusReporter;
  /** Stops this instance's timers and listeners (heartbeat, reports, handoffs). */
  stopTimers(): void;
}

/**
 * Closes the instance without losing anyone: its status says draining, every local client is
 * told to move (spread over a window), and only after they left (or the grace period ran out)
 * are the rest cut off and Socket.IO, fan-out and Redis closed. The caller has already made
 * the instance refuse new handshakes.
 */
export async function drainInstance(reason: DrainReason, parts: DrainParts): Promise<void> {
  const { ctx, http, status } = parts;
  const { cfg, io, log, fanout, redis } = ctx;
  const local = io.of('/').sockets;
  log.info({ reason, clients: local.size }, 'draining');
  toParent({ type: 'draining', instanceId: cfg.instanceId });
  // Connections handed over by the local supervisor are not counted by the HTTP server, so
  // closing it would emit 'close' at once, and Engine.IO closes every client on that event,
  // before they hear server:draining. The supervisor routes nothing here any more, and a
  // handshake made directly is refused while draining; io.close() closes it at the end.
  if (!cfg.supervised) http.close();
  await status.publish().catch(() => undefined);
  io.local.emit('server:draining', {
    instanceId: cfg.instanceId,
    reason,
    reconnectWithinMs: cfg.drainSpreadMs,
  });
  if (local.size > 0) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, cfg.drainGraceMs);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      function check(): void {
        if (local.size === 0) done();
      }
      for (const s of local.values()) s.once('disconnect', () => setImmediate(check));
    });
  }
  const left = local.size;
  if (left > 0) log.warn({ left }, 'grace period over; closing remaining connections');
  parts.stopTimers();
  io.local.disconnectSockets(true);
  // Its members are gone from every list at once, whether or not each leave was stored.
  await Promise.all([status.withdraw(), ctx.presence.withdraw()]).catch(() => undefined);
  status.stop();
  await fanout.stop();
  await new Promise<void>((resolve) => void io.close(() => resolve()));
  await quitAll(redis);
  log.info({ reason }, 'drained and closed');
}
