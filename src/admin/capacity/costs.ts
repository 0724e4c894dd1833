import { z } from 'zod';

/**
 * One measured per-unit cost and where it came from. `null`: not measured yet (the model
 * counts it as 0 and says so in every answer, naming the bench section that measures it).
 */
export const Cost = z.object({
  value: z.number().finite().nonnegative().nullable(),
  /** The bench section and figure it was read from, or the code it was derived from. */
  source: z.string().min(1),
});
export type Cost = z.infer<typeof Cost>;

/**
 * The per-unit costs the capacity model is built on, as `npm run bench` measured them
 * (`npm run bench:costs` writes them from bench/out/results.json; `bench/run.ts` does at the
 * end of a full run). CPU is in microseconds of one core; memory and traffic in bytes.
 */
export const Costs = z.object({
  version: z.literal(1),
  /** The run measured: date, commit and machine. */
  run: z.string(),
  instance: z.object({
    /** RSS of an instance at start, before any client. */
    rssStartBytes: Cost,
    /** RSS growth per idle logged-in connection joined to one room. */
    rssPerConnectionBytes: Cost,
    /** CPU an instance spends each second with no connection (heartbeat, status). */
    idleBaseUsPerSec: Cost,
    /** CPU each second per idle connection held (pings, timers, session sweeps). */
    idleUsPerConnectionSec: Cost,
    /** CPU per delivery (one message written to one socket), marginal. */
    usPerDelivery: Cost,
    /**
     * CPU an instance spends each second once messages flow, whatever their rate (the
     * intercept of the fan-out's CPU against deliveries/s): unbatched work at low rates.
     */
    trafficBaseUsPerSec: Cost,
    /**
     * CPU per message beyond its deliveries on the instance its sender is connected to (the
     * validation, the append round trip, the ack). When `usPerMessageHeard` is not measured it
     * is the whole per-message cost of a room on one instance, charged to every instance
     * serving the room.
     */
    usPerMessage: Cost,
    /**
     * CPU per message beyond its deliveries on each instance serving its room, the sender's
     * included: reading it from the room's channel, parsing it, one broadcast. Costs files
     * written before it was measured have none (read as not measured).
     */
    usPerMessageHeard: Cost.default({
      value: null,
      source: 'not in this costs file: usPerMessage is charged to every instance serving a room',
    }),
    /** CPU per connection made (handshake with a session token). */
    usPerConnect: Cost,
    /** CPU per room join (presence, history page, subscription). */
    usPerJoin: Cost,
  }),
  redis: z.object({
    /** Redis CPU per message stored and published to one subscribed instance. */
    usPerMessage: Cost,
    /** Redis CPU per further instance subscribed to the message's room. */
    usPerPush: Cost,
    /** Redis commands per message (the append script counts with the commands it calls). */
    commandsPerMessage: Cost,
    /** Bytes into Redis per message. */
    bytesInPerMessage: Cost,
    /** Bytes out of Redis per message and subscribed instance (the publish, the reply). */
    bytesPerPush: Cost,
    /** Redis CPU, commands and bytes (in + out) per connection made. */
    usPerConnect: Cost,
    commandsPerConnect: Cost,
    bytesPerConnect: Cost,
    /** Redis CPU, commands and bytes (in + out) per room join. */
    usPerJoin: Cost,
    commandsPerJoin: Cost,
    bytesPerJoin: Cost,
    /**
     * Idle, each second, per instance whatever its rooms and clients: its presence beat and
     * its status write (one each a second).
     */
    idleUsPerInstanceSec: Cost,
    idleCommandsPerInstanceSec: Cost,
    idleBytesPerInstanceSec: Cost,
    /**
     * Idle, each second, per (room, instance with members in it): the renewal of the
     * instance's entries in the room (one script every ~20 s).
     */
    idleUsPerRoomInstanceSec: Cost,
    idleCommandsPerRoomInstanceSec: Cost,
    idleBytesPerRoomInstanceSec: Cost,
    /** Idle, each second, per connection: the session sweep (one script per session per sweep). */
    idleUsPerConnectionSec: Cost,
    idleCommandsPerConnectionSec: Cost,
    idleBytesPerConnectionSec: Cost,
    /** Memory of one history entry in a room's stream. */
    historyEntryBytes: Cost,
    /** Memory of one send's deduplication key (kept DEDUPE_TTL_SEC). */
    dedupeKeyBytes: Cost,
    /** Memory per account with one session. */
    sessionBytes: Cost,
    /** Memory per member joined to a room (presence entry). */
    memberBytes: Cost,
  }),
});
export type Costs = z.infer<typeof Costs>;

/** `instance.usPerDelivery`, `redis.historyEntryBytes`, ...: a cost's name in answers. */
export type CostName = `${'instance' | 'redis'}.${string}`;

/** Every cost with its dotted name, in the schema's order. */
export function listCosts(c: Costs): { name: CostName; cost: Cost }[] {
  return [
    ...Object.entries(c.instance).map(([k, cost]) => ({ name: `instance.${k}` as CostName, cost })),
    ...Object.entries(c.redis).map(([k, cost]) => ({ name: `redis.${k}` as CostName, cost })),
  ];
}

/** A cost's value, 0 when it is not measured yet. */
export const valueOf = (c: Cost): number => c.value ?? 0;
