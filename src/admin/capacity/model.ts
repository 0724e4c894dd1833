import { listCosts, valueOf, type Cost, type Costs } from './costs.js';
import type { CapacityPlan, Deployment, Question, Resource, Step } from './plan.js';

/**
 * The capacity model: from measured per-unit costs, what N users in rooms of S sending M
 * messages/s need. Pure arithmetic, no I/O; every figure of the answer is a step with its
 * formula, so the answer can be checked by hand.
 *
 * Shape of the load: each user holds one connection joined to one room (N / S rooms); the
 * public port places connections without regard to rooms, so a room's S members are spread over
 * I x (1 - (1 - 1/I)^S) of I instances, each of which holds its room channel subscription,
 * renews its presence entries there every ~20 s, and receives every message of the room.
 */

/** More instances than this is no answer (the search stops there). */
const MAX_INSTANCES = 2 ** 31;
/** Redis Cluster has this many hash slots: it cannot have more masters. */
const SLOTS = 16_384;
/** Redis Cluster is documented to scale linearly up to about this many nodes. */
const CLUSTER_NODES_DOCUMENTED = 1000;
/** One instance uses one core (a Node process's main thread). */
const CORES_PER_INSTANCE = 1;

const US = 1e6;

/** Expected number of instances a room of `size` members spans over `instances` instances. */
export function roomSpan(instances: number, size: number): number {
  if (instances <= 1) return 1;
  return instances * (1 - (1 - 1 / instances) ** size);
}

/** What one instance holds and spends when `instances` share the load. */
interface PerInstance {
  connections: number;
  rssBytes: number;
  cores: number;
  /** The CPU's terms, in cores. */
  terms: {
    idle: number;
    conns: number;
    traffic: number;
    deliveries: number;
    messages: number;
    churn: number;
  };
}

/**
 * An instance's share of the CPU the messages cost beyond their deliveries: the sender's
 * instance's part once per message, and hearing it on every instance serving its room (`span`
 * of them). Without a measured cost of hearing, the whole per-message cost is charged to
 * every instance serving the room (what a room on one instance costs, an upper bound).
 */
function messageCores(q: Question, c: Costs, instances: number, span: number): number {
  const sent = valueOf(c.instance.usPerMessage);
  const heard = c.instance.usPerMessageHeard.value;
  const us = heard === null ? q.rate * span * sent : q.rate * (sent + span * heard);
  return us / instances / US;
}

/** How {@link messageCores} came to its figure, for the plan's steps. */
function messageFormula(q: Question, c: Costs, instances: number, span: number): string {
  const sent = num(valueOf(c.instance.usPerMessage));
  const heard = c.instance.usPerMessageHeard.value;
  const rate = `${num(q.rate)} msgs/s`;
  return heard === null
    ? `${rate} x ${num(span)} instances serving each x ${sent} µs / ${num(instances)}`
    : `${rate} x (${sent} µs sent + ${num(span)} instances serving each x ${num(heard)} µs heard) / ${num(instances)}`;
}

function perInstance(q: Question, c: Costs, d: Deployment, instances: number): PerInstance {
  const i = c.instance;
  const connections = q.users / instances;
  const span = roomSpan(instances, q.roomSize);
  const terms = {
    idle: valueOf(i.idleBaseUsPerSec) / US,
    conns: (connections * valueOf(i.idleUsPerConnectionSec)) / US,
    traffic: q.rate > 0 ? valueOf(i.trafficBaseUsPerSec) / US : 0,
    deliveries: ((q.rate * q.roomSize) / instances) * (valueOf(i.usPerDelivery) / US),
    messages: messageCores(q, c, instances, span),
    churn: (d.connectsPerSec / instances) * ((valueOf(i.usPerConnect) + valueOf(i.usPerJoin)) / US),
  };
  return {
    connections,
    rssBytes: valueOf(i.rssStartBytes) + connections * valueOf(i.rssPerConnectionBytes),
    cores: Object.values(terms).reduce((s, x) => s + x, 0),
    terms,
  };
}

/**
 * The fewest instances (1 .. `max`) for which `fits` holds, or null. `fits` must be
 * monotone: once true for some count, true for every larger one (per-instance load never
 * grows with more instances). Doubling then bisection: at most ~64 evaluations.
 */
export function fewest(fits: (n: number) => boolean, max = MAX_INSTANCES): number | null {
  let hi = 1;
  while (!fits(hi)) {
    if (hi >= max) return null;
    hi = Math.min(max, hi * 2);
  }
  let lo = Math.floor(hi / 2);
  if (lo < 1) return hi;
  // fits(lo) is false (or lo is 0); fits(hi) is true.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

const num = (x: number): string => {
  if (x === 0) return '0';
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 1 ? 2 : a >= 0.01 ? 4 : 6;
  return x.toLocaleString('en-US', { maximumFractionDigits: digits });
};

const MiB = 2 ** 20;

/** Answers the question with the given costs and deployment (all already validated). */
export function planCapacity(q: Question, c: Costs, d: Deployment): CapacityPlan {
  const steps: Step[] = [];
  const step = (what: string, formula: string, value: number | null, unit: string): void => {
    steps.push({ what, formula, value, unit });
  };
  const warnings: string[] = [];
  const unmeasured = listCosts(c)
    .filter(({ cost }) => cost.value === null)
    .map(({ name, cost }) => ({ name, source: cost.source }));

  // The load.
  const rooms = Math.ceil(q.users / q.roomSize);
  const deliveries = q.rate * q.roomSize;
  step('rooms', `${num(q.users)} users / ${num(q.roomSize)} per room`, rooms, 'rooms');
  step('deliveries/s', `${num(q.rate)} msgs/s x ${num(q.roomSize)} members`, deliveries, '/s');

  // Instances by memory: each instance gets hostMemory / hostCores, of which `headroom`.
  const i = c.instance;
  const budget = (d.hostMemoryBytes / d.hostCores) * d.headroom;
  const perConn = valueOf(i.rssPerConnectionBytes);
  const base = valueOf(i.rssStartBytes);
  step(
    'memory an instance may use',
    `${num(d.hostMemoryBytes / MiB)} MiB per host / ${d.hostCores} instances x ${d.headroom}`,
    budget / MiB,
    'MiB',
  );
  let byMemory: number | null;
  if (budget <= base) {
    byMemory = null;
    step(
      'instances by memory',
      `an instance's ${num(base / MiB)} MiB at start does not fit`,
      null,
      'instances',
    );
  } else {
    byMemory = Math.max(1, Math.ceil((q.users * perConn) / (budget - base)));
    step(
      'instances by memory',
      `ceil(${num(q.users)} x ${num(perConn / 1024)} KiB / (${num(budget / MiB)} - ${num(base / MiB)} MiB at start))`,
      byMemory,
      'instances',
    );
  }

  // Instances by CPU: the fewest whose per-instance CPU stays within the headroom.
  const cpuFits = (n: number): boolean =>
    perInstance(q, c, d, n).cores <= CORES_PER_INSTANCE * d.headroom;
  // More instances than users would hold nobody: the search stops at one user each.
  const byCpu = fewest(cpuFits, Math.min(MAX_INSTANCES, q.users));
  const needed = byMemory === null || byCpu === null ? null : Math.max(byMemory, byCpu);
  const at = needed ?? byCpu ?? byMemory ?? 1;
  const pi = perInstance(q, c, d, at);
  const t = pi.terms;
  step(
    `CPU per instance at ${num(at)} instances`,
    [
      `${num(t.idle)} base`,
      `${num(pi.connections)} conns x ${num(valueOf(i.idleUsPerConnectionSec))} µs/s = ${num(t.conns)}`,
      `${num(t.traffic)} while messages flow`,
      `${num(deliveries / at)} deliveries/s x ${num(valueOf(i.usPerDelivery))} µs = ${num(t.deliveries)}`,
      `messages ${messageFormula(q, c, at, roomSpan(at, q.roomSize))} = ${num(t.messages)}`,
      `churn ${num(t.churn)}`,
    ].join(' + '),
    pi.cores,
    'cores',
  );
  step(
    'instances by CPU',
    byCpu === null
      ? `no count up to one user per instance keeps an instance under ${d.headroom} of a core`
      : `fewest I with CPU per instance <= ${d.headroom} of a core`,
    byCpu,
    'instances',
  );
  const hosts = needed === null ? null : Math.ceil(needed / d.hostCores);
  step('instances needed', 'max(by memory, by CPU)', needed, 'instances');
  step('hosts', `ceil(instances / ${d.hostCores} cores per host)`, hosts, 'hosts');

  // The rooms' spread over instances, which Redis pays for per (room, instance).
  const span = roomSpan(at, q.roomSize);
  const pairs = rooms * span;
  step(
    'instances per room',
    `${num(at)} x (1 - (1 - 1/${num(at)})^${q.roomSize})`,
    span,
    'instances',
  );
  step('(room, instance) pairs', `${num(rooms)} rooms x ${num(span)}`, pairs, 'pairs');

  // Redis: CPU, commands, bytes and memory.
  const r = c.redis;
  const pushes = Math.max(0, span - 1);
  // What holding costs Redis each second: per instance, per (room, instance) pair, per connection.
  const idle = (perInstance: Cost, perPair: Cost, perConnection: Cost): number =>
    at * valueOf(perInstance) + pairs * valueOf(perPair) + q.users * valueOf(perConnection);
  const redisCores =
    (q.rate * (valueOf(r.usPerMessage) + pushes * valueOf(r.usPerPush)) +
      d.connectsPerSec * (valueOf(r.usPerConnect) + valueOf(r.usPerJoin)) +
      idle(r.idleUsPerInstanceSec, r.idleUsPerRoomInstanceSec, r.idleUsPerConnectionSec)) /
    US;
  step(
    'Redis CPU',
    `(${num(q.rate)} msgs/s x (${num(valueOf(r.usPerMessage))} + ${num(pushes)} x ${num(valueOf(r.usPerPush))} µs) + ${num(at)} instances x ${num(valueOf(r.idleUsPerInstanceSec))} µs + ${num(pairs)} pairs x ${num(valueOf(r.idleUsPerRoomInstanceSec))} µs + ${num(q.users)} conns x ${num(valueOf(r.idleUsPerConnectionSec))} µs + churn) / 1e6`,
    redisCores,
    'cores',
  );
  const ops =
    q.rate * valueOf(r.commandsPerMessage) +
    d.connectsPerSec * (valueOf(r.commandsPerConnect) + valueOf(r.commandsPerJoin)) +
    idle(
      r.idleCommandsPerInstanceSec,
      r.idleCommandsPerRoomInstanceSec,
      r.idleCommandsPerConnectionSec,
    );
  step(
    'Redis commands/s',
    `${num(q.rate)} x ${num(valueOf(r.commandsPerMessage))} + ${num(at)} x ${num(valueOf(r.idleCommandsPerInstanceSec))} + ${num(pairs)} x ${num(valueOf(r.idleCommandsPerRoomInstanceSec))} + ${num(q.users)} x ${num(valueOf(r.idleCommandsPerConnectionSec))} + churn`,
    ops,
    '/s',
  );
  const bytes =
    q.rate * (valueOf(r.bytesInPerMessage) + Math.max(1, span) * valueOf(r.bytesPerPush)) +
    d.connectsPerSec * (valueOf(r.bytesPerConnect) + valueOf(r.bytesPerJoin)) +
    idle(r.idleBytesPerInstanceSec, r.idleBytesPerRoomInstanceSec, r.idleBytesPerConnectionSec);
  step(
    'Redis bytes/s',
    `${num(q.rate)} x (${num(valueOf(r.bytesInPerMessage))} + ${num(Math.max(1, span))} x ${num(valueOf(r.bytesPerPush))}) + ${num(at)} x ${num(valueOf(r.idleBytesPerInstanceSec))} + ${num(pairs)} x ${num(valueOf(r.idleBytesPerRoomInstanceSec))} + ${num(q.users)} x ${num(valueOf(r.idleBytesPerConnectionSec))} + churn`,
    bytes,
    'B/s',
  );
  const memory = {
    history: rooms * d.historyMax * valueOf(r.historyEntryBytes),
    dedupe: q.rate * d.dedupeTtlSec * valueOf(r.dedupeKeyBytes),
    sessions: q.users * valueOf(r.sessionBytes),
    members: q.users * valueOf(r.memberBytes),
    total: 0,
  };
  memory.total = memory.history + memory.dedupe + memory.sessions + memory.members;
  step(
    'Redis memory',
    `${num(rooms)} rooms x ${num(d.historyMax)} kept x ${num(valueOf(r.historyEntryBytes))} B + ${num(q.rate)} msgs/s x ${num(d.dedupeTtlSec)} s x ${num(valueOf(r.dedupeKeyBytes))} B + ${num(q.users)} x (${num(valueOf(r.sessionBytes))} + ${num(valueOf(r.memberBytes))}) B`,
    memory.total / MiB,
    'MiB',
  );
  if (q.rate > 0 && rooms > 0) {
    const perRoom = q.rate / rooms;
    step(
      'time for a room to fill its history',
      `${num(d.historyMax)} / (${num(q.rate)} / ${num(rooms)} msgs/s per room)`,
      d.historyMax / perRoom / 86_400,
      'days',
    );
  }
  const byCpuR = Math.ceil(redisCores / d.headroom);
  const byNet = Math.ceil(bytes / (d.redisNetBytesPerSec * d.headroom));
  const byMem = Math.ceil(memory.total / (d.redisMemoryBytes * d.headroom));
  const masters = Math.max(1, byCpuR, byNet, byMem);
  // A room lives in one slot: one master stores and publishes all of its messages.
  const roomCores =
    rooms > 0
      ? ((q.rate / rooms) * (valueOf(r.usPerMessage) + pushes * valueOf(r.usPerPush))) / US
      : 0;
  step('Redis masters by CPU', `ceil(${num(redisCores)} cores / ${d.headroom})`, byCpuR, 'masters');
  step(
    'Redis masters by network',
    `ceil(${num(bytes / 1e6)} MB/s / (${num(d.redisNetBytesPerSec / 1e6)} MB/s x ${d.headroom}))`,
    byNet,
    'masters',
  );
  step(
    'Redis masters by memory',
    `ceil(${num(memory.total / MiB)} MiB / (${num(d.redisMemoryBytes / MiB)} MiB x ${d.headroom}))`,
    byMem,
    'masters',
  );
  step('Redis masters', 'max(1, by CPU, by network, by memory)', masters, 'masters');
  step(
    'Redis CPU of one room (one slot, one master)',
    `${num(q.rate)} / ${num(rooms)} rooms msgs/s x ${num(valueOf(r.usPerMessage) + pushes * valueOf(r.usPerPush))} µs`,
    roomCores,
    'cores',
  );
  const redisBinding =
    byMem >= byCpuR && byMem >= byNet ? 'memory' : byCpuR >= byNet ? 'CPU' : 'network';
  // The room index is one key: every instance writes a room's activity at most once a second.
  const roomIndexOps = Math.min(q.rate, pairs);
  step(
    'room index writes (one key, one master)',
    `min(${num(q.rate)} msgs/s, ${num(pairs)} pairs)`,
    roomIndexOps,
    '/s',
  );

  // Each resource's share of what it has, in the planned deployment.
  const utilization: { resource: Resource; share: number }[] = [
    { resource: 'instance memory', share: pi.rssBytes / (d.hostMemoryBytes / d.hostCores) },
    { resource: 'instance CPU', share: pi.cores / CORES_PER_INSTANCE },
    { resource: 'Redis CPU', share: redisCores / masters },
    { resource: 'Redis network', share: bytes / masters / d.redisNetBytesPerSec },
    { resource: 'Redis memory', share: memory.total / masters / d.redisMemoryBytes },
  ];
  const top = utilization.reduce((a, b) => (b.share > a.share ? b : a));
  const roomFits = roomCores <= d.headroom;
  const feasible = needed !== null && roomFits && masters <= SLOTS;
  let firstBottleneck: string;
  if (!roomFits) {
    firstBottleneck = `Redis CPU of one room: its master stores and publishes all of its ${num(q.rate / rooms)} msgs/s, ${num(roomCores)} cores, over ${d.headroom} of one`;
  } else if (masters > SLOTS) {
    firstBottleneck = `Redis Cluster: ${num(masters)} masters needed, and a cluster has ${SLOTS} slots`;
  } else if (byMemory === null) {
    firstBottleneck = `instance memory: an instance's RSS at start (${num(base / MiB)} MiB) exceeds what it may use (${num(budget / MiB)} MiB)`;
  } else if (byCpu === null) {
    const least = perInstance(q, c, d, Math.min(MAX_INSTANCES, q.users)).cores;
    firstBottleneck = `instance CPU: even at one user per instance an instance needs ${num(least)} cores, over ${d.headroom} of one`;
  } else {
    firstBottleneck = `${top.resource} (${Math.round(top.share * 100)} % used in this plan: the first to run out as the load grows)`;
  }

  if (masters > CLUSTER_NODES_DOCUMENTED && masters <= SLOTS) {
    warnings.push(
      `${num(masters)} masters: Redis Cluster is documented to scale to about ${CLUSTER_NODES_DOCUMENTED} nodes`,
    );
  }
  // Hearing a message, unmeasured, is not counted as 0: the whole per-message cost stands in.
  const asZero = unmeasured.filter((u) => u.name !== 'instance.usPerMessageHeard');
  if (asZero.length > 0) {
    warnings.push(
      `${asZero.length} costs are not measured yet and count as 0 (the plan lists them): a full npm run bench measures them`,
    );
  }
  if (c.instance.usPerMessageHeard.value === null && q.rate > 0) {
    warnings.push(
      "what an instance spends hearing a message is not measured: each message's whole cost is charged to every instance serving its room (an upper bound)",
    );
  }
  if (valueOf(r.historyEntryBytes) === 0 && rooms > 0 && d.historyMax > 0) {
    warnings.push('Redis memory leaves out history until its entry size is measured');
  }
  if (needed !== null && at > 1 && span > 0.9 * at && q.rate > 0) {
    warnings.push(
      `rooms of ${q.roomSize} span nearly every instance (${num(span)} of ${num(at)}): each instance receives nearly every message`,
    );
  }

  const herdCost = valueOf(i.usPerConnect) + valueOf(i.usPerJoin);
  let herdSeconds: number | null = null;
  if (needed !== null && needed > 1 && herdCost > 0 && pi.cores < CORES_PER_INSTANCE) {
    herdSeconds =
      (pi.connections * herdCost) / US / ((needed - 1) * (CORES_PER_INSTANCE - pi.cores));
    step(
      'herd after losing one instance',
      `${num(pi.connections)} clients x ${num(herdCost)} µs / (${num(needed - 1)} survivors x ${num(CORES_PER_INSTANCE - pi.cores)} spare cores)`,
      herdSeconds,
      's',
    );
  }

  return {
    question: q,
    deployment: d,
    costs: { run: c.run, unmeasured },
    load: { rooms, deliveriesPerSec: deliveries, instancesPerRoom: span, roomInstances: pairs },
    instances: {
      byMemory,
      byCpu,
      needed,
      hosts,
      binding: needed === null ? null : (byMemory ?? 0) >= (byCpu ?? 0) ? 'memory' : 'CPU',
      perInstance: {
        connections: pi.connections,
        rssBytes: pi.rssBytes,
        memoryBudgetBytes: budget,
        cpuCores: pi.cores,
      },
      herdSeconds,
    },
    redis: {
      cores: redisCores,
      opsPerSec: ops,
      bytesPerSec: bytes,
      memoryBytes: memory,
      roomIndexOpsPerSec: roomIndexOps,
      roomCores,
      byCpu: byCpuR,
      byNetwork: byNet,
      byMemory: byMem,
      masters,
      binding: redisBinding,
    },
    utilization,
    feasible,
    firstBottleneck,
    warnings,
    steps,
  };
}
