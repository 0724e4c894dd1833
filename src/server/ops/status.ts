import os from 'node:os';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Cluster, type ChainableCommander, type Redis } from 'ioredis';
import {
  InstanceStatus,
  type ClusterStatus,
  type InstanceState,
  type RedisHealth,
} from '../../protocol/index.js';
import type { Keys } from '../redis/keys.js';
import type { RedisConn } from '../redis/clients.js';

/** This machine's name, in the status (see `ensureIdFree`). */
const HOSTNAME = os.hostname();

/** An instance's status key lives this long; it is rewritten every second. */
export const STATUS_TTL_MS = 4000;

/**
 * A status not rewritten for this long belongs to an instance that stopped answering: it is
 * left out at once (the console shows it as gone) rather than shown with frozen counts until
 * its key expires.
 */
export const STATUS_STALE_MS = 2500;

export interface StatusSource {
  id: string;
  bootId: string;
  host: string;
  port: () => number;
  startedAt: number;
  version: string;
  state: () => InstanceState;
  connections: () => number;
  rooms: () => number;
  /** The rooms this instance's clients are in (for the cluster's distinct count). */
  roomNames?: () => string[];
  /** Changes whenever the set `roomNames` gives does (the set is rewritten only then). */
  roomsVersion?: () => number;
  redisOk: () => boolean;
  /**
   * Another live instance writes its status under this id and this one is to yield it (see
   * `yieldsTo`): it started later. Said once.
   */
  yieldId?: (other: InstanceStatus) => void;
}

/** Counts messages in and out and turns them into per-second rates once a second. */
export class RateCounter {
  private inCount = 0;
  private outCount = 0;
  private lastAt = performance.now();
  inPerSec = 0;
  outPerSec = 0;

  addIn(n = 1): void {
    this.inCount += n;
  }
  addOut(n = 1): void {
    this.outCount += n;
  }
  tick(): void {
    const now = performance.now();
    const secs = Math.max((now - this.lastAt) / 1000, 0.001);
    this.inPerSec = Math.round((this.inCount / secs) * 10) / 10;
    this.outPerSec = Math.round((this.outCount / secs) * 10) / 10;
    this.inCount = 0;
    this.outCount = 0;
    this.lastAt = now;
  }
}

/**
 * How often the event loop's delay is sampled. Each sample is a timer that wakes an idle loop
 * (an `epoll_pwait` and a callback): sampled every 10 ms, with prom-client's monitor beside
 * it, an instance without a single client woke 200 times a second (strace) and used 1.2 % of
 * a core, against 0.8-1.0 % now (60 s each, this machine). A delay is still measured whole
 * (a 1 s block shows as 1 s).
 */
export const LAG_RESOLUTION_MS = 50;

/**
 * The event loop's delay: how late a timer due every {@link LAG_RESOLUTION_MS} runs, its p99
 * since the last reading. Not Node's `monitorEventLoopDelay`: its reset also forgets when it
 * last sampled, so a block that begins right after a reading is never counted, and a block
 * inside another timer's callback is not seen at all.
 */
export class LoopLag {
  /** Delays in µs. */
  private readonly h: RecordableHistogram = createHistogram();
  private expected = performance.now() + LAG_RESOLUTION_MS;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setTimeout(this.tick, LAG_RESOLUTION_MS);
    this.timer.unref();
  }

  private readonly tick = (): void => {
    const now = performance.now();
    this.h.record(Math.max(1, Math.round((now - this.expected) * 1000)));
    this.expected = now + LAG_RESOLUTION_MS;
    this.timer.refresh();
  };

  /** p99 of the delays since the last call, in ms (0 when none was sampled). */
  read(): number {
    const ms = this.h.count === 0 ? 0 : Math.round(this.h.percentile(99) / 100) / 10;
    this.h.reset();
    return ms;
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/**
 * Whether this instance, finding `other`'s status where its own should be, is the one that
 * yields the id: the later of the two to start (the same rule on both sides, so one of them).
 */
export function yieldsTo(me: InstanceStatus, other: InstanceStatus): boolean {
  if (other.startedAt !== me.startedAt) return other.startedAt < me.startedAt;
  return other.bootId < me.bootId;
}

/**
 * The status of an instance just starting: its id claimed, nothing served or measured yet.
 * Written at time 0, it is never listed (a status is read only while fresh): a console must
 * not take a claim for an instance that is ready, nor its port 0 for one to connect to.
 */
export function startingStatus(
  s: Pick<InstanceStatus, 'id' | 'bootId' | 'host' | 'port' | 'pid' | 'startedAt' | 'version'> & {
    hostname?: string;
  },
): InstanceStatus {
  return {
    ...s,
    state: 'ready',
    uptimeSec: 0,
    connections: 0,
    rooms: 0,
    msgsInPerSec: 0,
    msgsOutPerSec: 0,
    rssBytes: process.memoryUsage.rss(),
    heapUsedBytes: 0,
    loopLagMs: 0,
    redisOk: true,
    updatedAt: 0,
  };
}

/** Builds this instance's status document and writes it to Redis. */
export class StatusReporter {
  private readonly lag = new LoopLag();
  loopLagMs = 0;
  /** When the last status write was answered. */
  private lastPublishedAt: number | undefined;
  /** `roomsVersion` of the room set in Redis (undefined: to be written). */
  private roomsWritten: number | undefined;
  /** This instance yields its id to a twin (see `checkTwin`). */
  private yielded = false;

  constructor(
    private readonly redis: RedisConn,
    private readonly keys: Keys,
    private readonly src: StatusSource,
    readonly rates: RateCounter,
  ) {}

  /** Samples rates and event-loop lag; call once a second. */
  sample(): void {
    this.rates.tick();
    this.loopLagMs = this.lag.read();
  }

  snapshot(): InstanceStatus {
    // Not process.memoryUsage(): that walks every heap space, about a millisecond at 10k sockets.
    const rss = process.memoryUsage.rss();
    const heapUsed = getHeapStatistics().used_heap_size;
    const now = Date.now();
    return {
      id: this.src.id,
      bootId: this.src.bootId,
      state: this.src.state(),
      host: this.src.host,
      hostname: HOSTNAME,
      port: this.src.port(),
      pid: process.pid,
      startedAt: this.src.startedAt,
      uptimeSec: Math.round((now - this.src.startedAt) / 1000),
      connections: this.src.connections(),
      rooms: this.src.rooms(),
      msgsInPerSec: this.rates.inPerSec,
      msgsOutPerSec: this.rates.outPerSec,
      rssBytes: rss,
      heapUsedBytes: heapUsed,
      loopLagMs: this.loopLagMs,
      redisOk: this.src.redisOk(),
      version: this.src.version,
      updatedAt: now,
    };
  }

  /**
   * Writes this instance's status. Returns true when the status written by the previous
   * call (well within its expiry) was gone: Redis lost its data meanwhile (a FLUSHALL, a
   * failover to an empty replica), and whatever this instance trusts of it must be checked.
   */
  async publish(): Promise<boolean> {
    // Yielded to a twin: the key is the other's now.
    if (this.yielded) return false;
    const s = this.snapshot();
    const version = this.src.roomsVersion?.();
    // The room set is rewritten when it changed (or cannot tell), else only kept alive: an
    // idle instance in a thousand rooms does not send them all every second.
    const rewrite = version === undefined || version !== this.roomsWritten;
    // One slot ({instances}): the status, the index and the room set change together.
    const tx = this.redis
      .multi()
      .set(this.keys.instance(s.id), JSON.stringify(s), 'PX', STATUS_TTL_MS, 'GET')
      .zadd(this.keys.instances(), s.updatedAt, s.id);
    if (rewrite) this.writeRooms(tx);
    else tx.pexpire(this.keys.instanceRooms(s.id), STATUS_TTL_MS);
    // Written once its answer says so: a transaction that times out may still run, late (after
    // the room set expired, its PEXPIRE keeps nothing), so the next beat writes the set again.
    this.roomsWritten = undefined;
    const res = await tx.exec();
    const previous = this.lastPublishedAt;
    this.lastPublishedAt = Date.now();
    const before = res?.[0]?.[1];
    this.roomsWritten = version;
    if (typeof before === 'string') this.checkTwin(s, before);
    if (before === null && !rewrite) {
      // The status had expired or was lost, and the room set with it: write it again now.
      await this.writeRooms(this.redis.multi()).exec();
    }
    return (
      previous !== undefined &&
      this.lastPublishedAt - previous < STATUS_TTL_MS / 2 &&
      before === null
    );
  }

  /**
   * The status this write replaced was another boot's: a second live instance has this id
   * (both started at once, or one was stalled past its status's life as the other started).
   * Of the two, the later to start yields the id (the other sees the same and goes on).
   */
  private checkTwin(mine: InstanceStatus, before: string): void {
    if (this.yielded || !this.src.yieldId) return;
    let other: InstanceStatus | undefined;
    try {
      const parsed = InstanceStatus.safeParse(JSON.parse(before));
      other = parsed.success ? parsed.data : undefined;
    } catch {
      return;
    }
    if (!other || other.bootId === mine.bootId) return;
    // The other rewrote the room set the key shares: this one's is written again next beat.
    this.roomsWritten = undefined;
    if (!yieldsTo(mine, other)) return;
    this.yielded = true;
    this.src.yieldId(other);
  }

  private writeRooms(tx: ChainableCommander): ChainableCommander {
    const names = this.src.roomNames?.() ?? [];
    const roomsKey = this.keys.instanceRooms(this.src.id);
    tx.del(roomsKey);
    if (names.length > 0) tx.sadd(roomsKey, ...names).pexpire(roomsKey, STATUS_TTL_MS);
    return tx;
  }

  /** Removes this instance's status at once (a clean exit should not linger for seconds). */
  async withdraw(): Promise<void> {
    if (this.yielded) return;
    // Only if the key is still ours: a replacement with the same id may already be up.
    const raw = await this.redis.get(this.keys.instance(this.src.id));
    if (raw && (JSON.parse(raw) as InstanceStatus).bootId === this.src.bootId) {
      await this.redis.del(this.keys.instance(this.src.id), this.keys.instanceRooms(this.src.id));
    }
  }

  stop(): void {
    this.lag.stop();
  }
}

/**
 * The rooms (internal names) clients are in on any live instance: the union of the room sets
 * the instances write with their status. The index and the sets share one hash tag
 * (`{instances}`), so this runs on Redis Cluster too.
 */
export async function liveRoomNames(redis: RedisConn, keys: Keys): Promise<string[]> {
  const ids = await redis.zrangebyscore(keys.instances(), Date.now() - STATUS_STALE_MS, '+inf');
  return ids.length === 0 ? [] : redis.sunion(...ids.map((id) => keys.instanceRooms(id)));
}

/**
 * Reads every live instance's status: no SCAN, just the index and one MGET (the index and
 * the status keys share one hash tag, so this runs on Redis Cluster too).
 */
export async function readInstances(redis: RedisConn, keys: Keys): Promise<InstanceStatus[]> {
  const now = Date.now();
  const ids = await redis.zrangebyscore(keys.instances(), now - STATUS_STALE_MS, '+inf');
  await redis.zremrangebyscore(keys.instances(), '-inf', now - STATUS_TTL_MS * 10);
  if (ids.length === 0) return [];
  const raws = await redis.mget(...ids.map((id) => keys.instance(id)));
  const out: InstanceStatus[] = [];
  for (const raw of raws) {
    if (!raw) continue;
    const parsed = InstanceStatus.safeParse(JSON.parse(raw));
    if (parsed.success && now - parsed.data.updatedAt <= STATUS_STALE_MS) out.push(parsed.data);
  }
  return out.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

function infoField(info: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return m?.[1]?.trim();
}

async function nodeHealth(redis: Redis): Promise<RedisHealth> {
  try {
    const t0 = performance.now();
    await redis.ping();
    const pingMs = Math.round((performance.now() - t0) * 100) / 100;
    const info = await redis.info();
    const health: RedisHealth = { ok: true, pingMs };
    const version = infoField(info, 'redis_version');
    if (version) health.version = version;
    const mem = infoField(info, 'used_memory');
    if (mem) health.usedMemoryBytes = Number(mem);
    const clients = infoField(info, 'connected_clients');
    if (clients) health.connectedClients = Number(clients);
    return health;
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Health of one Redis, or of every master of a cluster (ok only if all masters answer). */
export async function redisHealth(redis: RedisConn): Promise<RedisHealth> {
  if (!(redis instanceof Cluster)) return nodeHealth(redis);
  const masters = redis.nodes('master');
  if (masters.length === 0) return { ok: false, error: 'no Redis Cluster master is known' };
  const each = await Promise.all(masters.map((n) => nodeHealth(n)));
  const up = each.filter((h) => h.ok);
  const sum = (f: (h: RedisHealth) => number | undefined): number =>
    up.reduce((a, h) => a + (f(h) ?? 0), 0);
  const health: RedisHealth = {
    ok: up.length === each.length,
    masters: each.length,
    mastersOk: up.length,
    pingMs: Math.max(0, ...up.map((h) => h.pingMs ?? 0)),
    usedMemoryBytes: sum((h) => h.usedMemoryBytes),
    connectedClients: sum((h) => h.connectedClients),
  };
  if (up[0]?.version) health.version = up[0].version;
  const failed = each.find((h) => !h.ok);
  if (failed?.error) health.error = `${each.length - up.length} master(s) down: ${failed.error}`;
  return health;
}

/** Totals over the given instances (rates rounded to one decimal). */
export function clusterTotals(instances: InstanceStatus[]): ClusterStatus['totals'] {
  const sum = (f: (s: InstanceStatus) => number): number =>
    Math.round(instances.reduce((a, s) => a + f(s), 0) * 10) / 10;
  return {
    instances: instances.length,
    connections: sum((s) => s.connections),
    rooms: sum((s) => s.rooms),
    msgsInPerSec: sum((s) => s.msgsInPerSec),
    msgsOutPerSec: sum((s) => s.msgsOutPerSec),
  };
}

/**
 * The cluster's status as one instance sees it. When Redis cannot be read it still answers:
 * with itself only (`self`), Redis marked down, and a warning that says what is unknown.
 */
export async function clusterStatus(
  redis: RedisConn,
  keys: Keys,
  answeredBy: string,
  self?: () => InstanceStatus,
): Promise<ClusterStatus> {
  const warnings: string[] = [];
  const [instances, redisInfo] = await Promise.all([
    readInstances(redis, keys).catch((err: Error) => {
      warnings.push(
        `instance status lives in Redis, which is unreachable (${err.message}); only ${answeredBy} is shown`,
      );
      return self ? [self()] : [];
    }),
    redisHealth(redis),
  ]);
  const totals = clusterTotals(instances);
  // A room with clients on three instances is one room: count the union of their room sets.
  // (If it cannot be read, the per-instance sum stands, which can only overcount.)
  if (instances.length > 1) {
    const names = await redis
      .sunion(...instances.map((i) => keys.instanceRooms(i.id)))
      .catch(() => undefined);
    if (names) totals.rooms = names.length;
  }
  return {
    instances,
    totals,
    redis: redisInfo,
    answeredBy,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
