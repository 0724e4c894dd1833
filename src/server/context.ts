import type { DrainReason, InstanceStatus } from '../protocol/index.js';
import type { AccountOps } from './account-ops.js';
import type { Accounts } from './accounts.js';
import type { Sessions } from './sessions.js';
import type { History } from './history.js';
import type { RoomFanout } from './fanout.js';
import type { Presence } from './presence.js';
import type { InstanceConfig } from './config.js';
import type { Keys } from './keys.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { RedisClients } from './redis.js';
import type { RateCounter } from './status.js';
import type { ChatServer } from './io-types.js';

/** What handlers get: the instance's parts, created once in `instance.ts`. */
export interface InstanceContext {
  cfg: InstanceConfig;
  bootId: string;
  version: string;
  log: Logger;
  metrics: Metrics;
  keys: Keys;
  redis: RedisClients;
  io: ChatServer;
  sessions: Sessions;
  accounts: Accounts;
  /** The operator's account changes (list, delete, ban, unban). */
  accountOps: AccountOps;
  history: History;
  /** This instance's subscriptions to room channels. */
  fanout: RoomFanout;
  presence: Presence;
  rates: RateCounter;
  isDraining(): boolean;
  /** Drains and exits (the supervisor, if any, starts a replacement). */
  drain(reason: DrainReason): Promise<void>;
  /** This instance's status document, as it writes it to Redis. */
  selfStatus(): InstanceStatus;
  /** Tells the room's members, on every instance, who is in it now (debounced). */
  presenceChanged(room: string): void;
}
