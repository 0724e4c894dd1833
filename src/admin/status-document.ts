import type { ClusterStatus } from '../protocol/index.js';

/** One instance as `status --json` prints it. */
export interface InstanceRow {
  id: string;
  bootId: string;
  state: 'ready' | 'draining';
  host: string;
  port: number;
  pid: number;
  uptimeSec: number;
  connections: number;
  rooms: number;
  msgsInPerSec: number;
  msgsOutPerSec: number;
  rssBytes: number;
  loopLagMs: number;
}

/**
 * The document `chat-admin status --json` prints, documented in docs/operations.md. Numbers are
 * numbers; a Redis figure the answering instance could not read is null.
 */
export interface StatusDocument {
  instances: InstanceRow[];
  totals: {
    instances: number;
    connections: number;
    rooms: number;
    msgsInPerSec: number;
    msgsOutPerSec: number;
  };
  redis: {
    ok: boolean;
    version: string | null;
    usedMemoryBytes: number | null;
    connectedClients: number | null;
    pingMs: number | null;
    /** Redis Cluster: how many masters there are and how many answered (null: one Redis). */
    masters: number | null;
    mastersOk: number | null;
  };
}

/** Projects the server's status onto the documented document (and nothing else). */
export function toStatusDocument(s: ClusterStatus): StatusDocument {
  return {
    instances: s.instances.map((i) => ({
      id: i.id,
      bootId: i.bootId,
      state: i.state,
      host: i.host,
      port: i.port,
      pid: i.pid,
      uptimeSec: i.uptimeSec,
      connections: i.connections,
      rooms: i.rooms,
      msgsInPerSec: i.msgsInPerSec,
      msgsOutPerSec: i.msgsOutPerSec,
      rssBytes: i.rssBytes,
      loopLagMs: i.loopLagMs,
    })),
    totals: { ...s.totals },
    redis: {
      ok: s.redis.ok,
      version: s.redis.version ?? null,
      usedMemoryBytes: s.redis.usedMemoryBytes ?? null,
      connectedClients: s.redis.connectedClients ?? null,
      pingMs: s.redis.pingMs ?? null,
      masters: s.redis.masters ?? null,
      mastersOk: s.redis.mastersOk ?? null,
    },
  };
}
