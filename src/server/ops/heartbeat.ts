import { DrainReason } from '../../protocol/index.js';
import type { InstanceContext } from '../context.js';
import { toParent } from '../local-cluster/parent-link.js';
import { watchSessions } from '../auth/session-watch.js';
import { SlowConsumers } from './slow-consumers.js';
import { collectAllGarbage, setHeapGrowth, StormCompactor } from './storm-compactor.js';
import type { StatusReporter } from './status.js';

export interface Heartbeat {
  /** Runs one beat now (a beat already running makes this one a no-op). */
  tick(): Promise<void>;
  stop(): void;
}

/**
 * Once a second: rates, slow consumers, Redis health, fan-out recovery, status to Redis,
 * presence renewal and ghost reaping, and (CHAT_HEAP=small) the heap given back after a
 * storm. Sessions ended elsewhere are watched alongside.
 */
export function startHeartbeat(ctx: InstanceContext, status: StatusReporter): Heartbeat {
  const { cfg, io, log, metrics, fanout } = ctx;
  const slow = new SlowConsumers(io, cfg.slowConsumerMaxPackets, log);
  const compactor =
    cfg.heap === 'small'
      ? new StormCompactor(collectAllGarbage, log, {
          onStorm: (storming) => {
            setHeapGrowth(storming);
            log.debug({ storming }, storming ? 'storm: heap growth as V8 sets it' : 'storm over');
          },
        })
      : undefined;
  if (compactor) {
    // Every socket joins its own room, so connects and disconnects are counted here too.
    const rooms = io.of('/').adapter;
    rooms.on('join-room', () => compactor.changed());
    rooms.on('leave-room', () => compactor.changed());
  }
  let ticking = false;
  let redisLostAt: number | undefined;
  let movedForRedis = false;
  const watchRedis = (): boolean => {
    const ok = ctx.liveness.answering();
    if (ok) {
      if (redisLostAt !== undefined) toParent({ type: 'health', ready: true });
      redisLostAt = undefined;
      movedForRedis = false;
      return true;
    }
    if (redisLostAt === undefined) {
      redisLostAt = Date.now();
      toParent({ type: 'health', ready: false });
    } else if (!movedForRedis && Date.now() - redisLostAt >= cfg.redisLostMoveMs) {
      // Cut off from Redis for long: nothing can be stored or delivered here, so clients
      // should move to an instance that can (they resume without loss).
      movedForRedis = true;
      log.warn({ clients: io.of('/').sockets.size }, 'Redis unreachable; telling clients to move');
      io.local.emit('server:draining', {
        instanceId: cfg.instanceId,
        reason: DrainReason.RedisLost,
        reconnectWithinMs: cfg.drainSpreadMs,
      });
    }
    return false;
  };
  /** Presence ids lost so far (a join's beat can find one lost too): each is said once. */
  let idLossesSaid = 0;
  const reportIdLosses = (): void => {
    const { count, lastGapMs } = ctx.presence.idLosses;
    if (count <= idLossesSaid) return;
    metrics.presenceIdsLost.inc(count - idLossesSaid);
    idLossesSaid = count;
    log.warn(
      { renewalGapMs: lastGapMs, rooms: ctx.presence.localRooms(), losses: count },
      'presence id lost before this instance renewed it (its beat came late, or Redis lost it): the others hid its members until they were put back under a new id',
    );
  };
  const tick = async (): Promise<void> => {
    // Redis is watched even while a beat waits on it (a hung Redis holds the beat's commands
    // until they time out): that is when it matters.
    ctx.liveness.beat();
    const redisOk = watchRedis();
    if (ticking) return;
    ticking = true;
    try {
      status.sample();
      metrics.loopLag.set(status.loopLagMs / 1000);
      slow.check();
      compactor?.beat();
      if (!redisOk) return;
      await fanout.recover();
      if (await status.publish())
        watch.checkNow("Redis lost its data (this instance's status was gone)");
      for (const room of await ctx.presence.heartbeat()) ctx.presenceChanged(room);
      reportIdLosses();
    } catch (err) {
      // While Redis is reachable a failing heartbeat is a bug (say, a command Redis Cluster
      // refuses), not an outage: say so loudly.
      const level = ctx.liveness.answering() ? 'warn' : 'debug';
      log[level]({ err: (err as Error).message }, 'heartbeat failed');
    } finally {
      ticking = false;
    }
  };
  const timer = setInterval(() => void tick(), 1000);
  timer.unref();
  const watch = watchSessions(io, ctx.sessions, log, cfg.sessionCheckMs, ctx.socketEndings);
  // Revocations may have been missed while they were not heard: check what is trusted.
  ctx.sessions.onHeardAgain = () => watch.checkNow('session revocations heard again after a gap');
  return {
    tick,
    stop() {
      clearInterval(timer);
      watch.stop();
      ctx.sessions.onHeardAgain = undefined;
    },
  };
}
