import type { Client, Kind } from './protocols.js';

/** Coordinator -> generator worker. Every command is answered by a `done` with the same id. */
export type GenCommand = { id: number; kind: Kind } & (
  | {
      type: 'connect';
      urls: string[];
      /** Each client's room, token (ours) and, if it must go to one, its server (else `urls[i % n]`). */
      clients: { token?: string; room: string; url?: string }[];
      concurrency: number;
      /** Source address of every connection (loopback only). */
      localAddress?: string;
      /** The client library (socket.io-client unless said). */
      client?: Client;
      /** Tries per connection (1 unless said); a failed try is retried after a backoff. */
      tries?: number;
      /**
       * Start no connection once none has connected for this many ms (the rest count as not
       * tried): a deadline for a stall only, never for a run that is still making progress.
       */
      stallMs?: number;
    }
  /** Joins every connection to its room; fails if that takes longer than `timeoutMs`. */
  | { type: 'join'; timeoutMs: number }
  /** Sends `rate` messages/s for `ms`; receipts of messages sent after `warmupMs` are measured. */
  | {
      type: 'send';
      /** Wall-clock start, the same for every generator. */
      at: number;
      rate: number;
      ms: number;
      warmupMs: number;
      settleMs: number;
    }
  /**
   * Measures every connection's receipt of the message tagged `tag`; with `sender`, the first
   * connection sends it into its room (otherwise the coordinator triggers it).
   */
  | { type: 'broadcast'; sender: boolean; tag: string; timeoutMs: number }
  | { type: 'close' }
  /** Answers at once (with the drops every answer carries, and the event-loop delay). */
  | { type: 'stats' }
);

export interface GenDone {
  id: number;
  type: 'done';
  error?: string;
  connected?: number;
  failed?: number;
  /** join: connections that never joined (after 3 tries). */
  joinFailed?: number;
  /** connect: tries that failed and were tried again. */
  retried?: number;
  /** Why connections failed (or, for join, why joins failed): message -> count. */
  errors?: Record<string, number>;
  /** Connections that dropped after connecting, by reason, since the generator started. */
  drops?: Record<string, number>;
  /** Connections not tried because the connect phase stalled. */
  skipped?: number;
  /** stats: the longest event-loop delay since the last stats, in ms. */
  lagMaxMs?: number;
  /** Messages this worker sent inside the measured window. */
  sent?: number;
  /** send: sends the server did not store (refused, or not answered), by why. */
  sendFailures?: Record<string, number>;
  /** broadcast: receipts owed (connections open when it started). */
  expected?: number;
  /** Receipts inside the measured window. */
  received?: number;
  /** Latency histogram of those receipts (encoded HDR, microseconds). */
  hist?: string;
}
