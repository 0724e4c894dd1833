import type { DrainReason, InstanceStatus } from '../protocol/index.js';
import type { AccountOps } from './auth/account-ops.js';
import type { Accounts } from './auth/accounts.js';
import type { Sessions } from './auth/sessions.js';
import type { SocketEndings } from './auth/socket-endings.js';
import type { History } from './rooms/history.js';
import type { Marks } from './rooms/marks.js';
import type { RoomFanout } from './rooms/fanout.js';
import type { Presence } from './rooms/presence.js';
import type { InstanceConfig } from './config/config.js';
import type { Keys } from './redis/keys.js';
import type { Logger } from './ops/logger.js';
import type { Metrics } from './ops/metrics.js';
import type { RedisClients } from './redis/clients.js';
import type { RedisLiveness } from './redis/liveness.js';
import type { RateCounter } from './ops/status.js';
import type { ChatServer } from './transport/io-types.js';

/** What handlers get: the instance's parts, created once in `instance.ts`. */
export interface InstanceContext {
  cfg: InstanceConfig;
  bootId: string;
  version: string;
  log: Logger;
  metrics: Metrics;
  keys: Keys;
  redis: RedisClients;
  /** Whether Redis answers (not only whether the connection is open), probed each beat. */
  liveness: RedisLiveness;
  io: ChatServer;
  sessions: Sessions;
  /** The sockets the session watch ended lately, by session (for the change that ended it). */
  socketEndings: SocketEndings;
  accounts: Accounts;
  /** The operator's account changes (list, delete, ban, unban). */
  accountOps: AccountOps;
  history: History;
  /** Users' read markers, kept rooms and conversations (`marks:*`). */
  marks: Marks;
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
