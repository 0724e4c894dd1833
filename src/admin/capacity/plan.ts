import { z } from 'zod';

/** What the capacity model is asked: N connected users in rooms of S sending M messages/s in all. */
export const Question = z
  .object({
    users: z.number().int().min(1).max(10_000_000_000),
    roomSize: z.number().int().min(1),
    /** Messages per second over all users; each reaches every member of its room. */
    rate: z.number().finite().min(0),
  })
  .refine((q) => q.roomSize <= q.users, {
    message: 'cannot be larger than the number of users',
    path: ['roomSize'],
  });
export type Question = z.infer<typeof Question>;

/**
 * What the deployment is made of (assumptions, not measurements: the operator's hardware and
 * settings). One instance is one Node process, which does its work on one core: a host runs
 * one instance per core and shares its memory among them.
 */
export const Deployment = z.object({
  hostCores: z.number().int().min(1).max(1024),
  hostMemoryBytes: z.number().finite().positive(),
  /** Share of a core, of memory and of a Redis master's limits a plan may use (the rest is margin). */
  headroom: z.number().finite().min(0.05).max(1),
  /** Memory per Redis master (its maxmemory). */
  redisMemoryBytes: z.number().finite().positive(),
  /** Network per Redis master, bytes/s (in + out). */
  redisNetBytesPerSec: z.number().finite().positive(),
  /** Messages kept per room (CHAT_HISTORY_MAX): every stream is trimmed to this length. */
  historyMax: z.number().int().min(0),
  /** How long a send's deduplication key lives (the server's DEDUPE_TTL_SEC). */
  dedupeTtlSec: z.number().finite().min(0),
  /** Connections made (and rooms joined) per second in steady state: churn. */
  connectsPerSec: z.number().finite().min(0),
});
export type Deployment = z.infer<typeof Deployment>;

const GiB = 2 ** 30;

/** The defaults `chat-admin capacity` states in every answer (flags change them). */
export const DEFAULT_DEPLOYMENT: Deployment = {
  hostCores: 16,
  hostMemoryBytes: 64 * GiB,
  headroom: 0.7,
  redisMemoryBytes: 16 * GiB,
  redisNetBytesPerSec: 125_000_000,
  historyMax: 10_000,
  dedupeTtlSec: 900,
  connectsPerSec: 0,
};

/** One line of the arithmetic: what is computed, how, and the result. */
export const Step = z.object({
  what: z.string(),
  formula: z.string(),
  value: z.number().nullable(),
  unit: z.string(),
});
export type Step = z.infer<typeof Step>;

export const Resource = z.enum([
  'instance memory',
  'instance CPU',
  'Redis CPU',
  'Redis network',
  'Redis memory',
]);
export type Resource = z.infer<typeof Resource>;

const count = z.number().int().min(0).nullable();

/** The answer, as `chat-admin capacity --json` prints it. */
export const CapacityPlan = z.object({
  question: Question,
  deployment: Deployment,
  costs: z.object({
    run: z.string(),
    /** Costs not measured yet, counted as 0: the answer is short of them. */
    unmeasured: z.array(z.object({ name: z.string(), source: z.string() })),
  }),
  load: z.object({
    rooms: z.number().int(),
    deliveriesPerSec: z.number(),
    /** Instances a room's members are spread over, on average (random placement). */
    instancesPerRoom: z.number(),
    /** (room, instance) pairs: each costs a presence beat a second. */
    roomInstances: z.number(),
  }),
  instances: z.object({
    byMemory: count,
    byCpu: count,
    needed: count,
    hosts: count,
    binding: z.enum(['memory', 'CPU']).nullable(),
    perInstance: z.object({
      connections: z.number(),
      rssBytes: z.number(),
      memoryBudgetBytes: z.number(),
      cpuCores: z.number(),
    }),
    /** Seconds of the survivors' spare CPU to take back one lost instance's clients. */
    herdSeconds: z.number().nullable(),
  }),
  redis: z.object({
    cores: z.number(),
    opsPerSec: z.number(),
    bytesPerSec: z.number(),
    memoryBytes: z.object({
      history: z.number(),
      dedupe: z.number(),
      sessions: z.number(),
      members: z.number(),
      total: z.number(),
    }),
    /** Writes per second to the room index, a single key (one slot, one master). */
    roomIndexOpsPerSec: z.number(),
    /** Redis CPU of one room's messages: a room lives in one slot, on one master. */
    roomCores: z.number(),
    byCpu: z.number().int(),
    byNetwork: z.number().int(),
    byMemory: z.number().int(),
    masters: z.number().int(),
    binding: z.enum(['CPU', 'network', 'memory']),
  }),
  /** Each resource's use in the planned deployment, against what it has. */
  utilization: z.array(z.object({ resource: Resource, share: z.number() })),
  feasible: z.boolean(),
  firstBottleneck: z.string(),
  warnings: z.array(z.string()),
  steps: z.array(Step),
});
export type CapacityPlan = z.infer<typeof CapacityPlan>;
