/**
 * What the coordinator and its worker processes say to each other over the IPC channel.
 * Phases: start -> (progress...) -> stop -> sent -> verify -> result -> close.
 */

/** One virtual user as a worker gets it: an account, a session, and the room it chats in. */
export interface VuSpec {
  user: string;
  token: string;
  room: string;
  /** Its place in the ramp: it connects at `t0 + index / clients * rampMs`. */
  index: number;
}

/** A message a virtual user sent and had acknowledged: its id, and its place in the room. */
export interface SentRef {
  id: string;
  seq: number;
  epoch: string;
}

export interface WorkerPlan {
  /**
   * Server URLs: each user rotates through them on reconnects, as the TUI's client does, and
   * starts on `servers[index % servers.length]` (one URL behind a balancer is typical).
   */
  servers: string[];
  vus: VuSpec[];
  clients: number;
  /** Wall-clock start of the ramp (ms since the epoch; all processes share the clock). */
  t0: number;
  rampMs: number;
  /** This worker's share of the aggregate message rate, per second. */
  rate: number;
  connectTimeoutMs: number;
}

export type ToWorker =
  | { type: 'start'; plan: WorkerPlan }
  | { type: 'stop' }
  | { type: 'verify'; sent: Record<string, SentRef[]>; drainMs: number }
  | { type: 'close' };

export interface Progress {
  connected: number;
  failed: number;
  sent: number;
  delivered: number;
  /** Cumulative latency histogram, encoded. */
  latency: string;
  /** Users that lost their connection after joining, so far (see {@link WorkerResult.dropped}). */
  dropped: number;
  /** Users whose connection is lost now and whose room is not yet resumed. */
  away: number;
}

export interface WorkerResult {
  requested: number;
  connected: number;
  failed: number;
  errors: Record<string, number>;
  connectMs: string;
  latencyMs: string;
  sent: number;
  sendFailed: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reconnects: number;
  /** Where the connected users are at the end, by instance id. */
  instances: Record<string, number>;
  /**
   * Each outage of a user (its connection lost after it joined, until its room was resumed on
   * a new one: the re-join's answer and any history pages after it), encoded, in ms.
   */
  resumeMs: string;
  /** Users that lost their connection at least once after joining. */
  dropped: number;
  /** Of those, the users back in their room at the end. */
  back: number;
  /** Connections lost after joining, by the instance they were on. */
  lostFrom: Record<string, number>;
  /** The same, by instance and reason: `<instance>: <reason>`. */
  lostWhy: Record<string, number>;
  /** Reconnect attempts that failed while users were away from their room, by reason. */
  retries: Record<string, number>;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; progress: Progress }
  /** Ids of the messages this worker's users sent and had acknowledged, by room. */
  | { type: 'sent'; sent: Record<string, SentRef[]> }
  | { type: 'result'; result: WorkerResult }
  | { type: 'error'; message: string };
