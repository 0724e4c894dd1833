/** Messages between the local-cluster supervisor and its instance processes. */

/** Supervisor to instance: a client connection handed over with the bytes already read. */
export interface ConnHandoff {
  type: 'conn';
  head: string;
}
export type SupervisorMessage = ConnHandoff;

/** Instance to supervisor. */
export type InstanceMessage =
  | { type: 'ready'; instanceId: string; bootId: string; port: number; pid: number }
  | { type: 'draining'; instanceId: string }
  /**
   * Client connections the instance holds open (handed over, handshaken or not) and how many
   * it was handed since it started: the supervisor adds those still on their way.
   */
  | { type: 'load'; connections: number; received: number }
  /** Whether the instance can serve (false while it cannot reach Redis). */
  | { type: 'health'; ready: boolean };

/** Private-Redis watchdog to supervisor: redis-server runs (with its pid), or could not. */
export type WatchdogMessage = { type: 'started'; pid: number } | { type: 'error'; message: string };
