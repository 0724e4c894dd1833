import { readFileSync } from 'node:fs';

/** Where Linux keeps the most connections any listening socket may queue. */
const SOMAXCONN_FILE = '/proc/sys/net/core/somaxconn';

/**
 * The accept queue a listening socket gets for `wanted`: the kernel caps it at
 * `net.core.somaxconn` (on Linux; elsewhere it is taken as asked). `cappedBy` is that limit
 * when it is the lower one, so the process can say so at startup, as Redis does for its own
 * `tcp-backlog`.
 *
 * Why it matters here: the queue holds connections the kernel completed while the event loop
 * was busy. When it is full, Linux drops the client's handshake and the client's TCP stack
 * tries again after 1, 3, 7, 15 s. A reconnect herd overflows Node's default of 511: in the
 * bench's herd of 12,000 users (4000 reconnecting at once) 5,000-10,000 handshakes were
 * dropped so, and none with 4096 (bench/ANALYSIS.md, section j).
 */
export function listenBacklog(
  wanted: number,
  readLimit: () => string | undefined = readSomaxconn,
): { backlog: number; cappedBy?: number } {
  const raw = readLimit();
  const limit = raw === undefined ? NaN : Number.parseInt(raw.trim(), 10);
  if (!Number.isInteger(limit) || limit <= 0 || limit >= wanted) return { backlog: wanted };
  return { backlog: limit, cappedBy: limit };
}

function readSomaxconn(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return readFileSync(SOMAXCONN_FILE, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The queue to listen with: `wanted`, or the kernel's cap, which an instance or `start`'s
 * public port then says at startup.
 */
export function backlogToAsk(wanted: number, log: { warn(msg: string): void }): number {
  const { backlog, cappedBy } = listenBacklog(wanted);
  if (cappedBy !== undefined) {
    log.warn(
      `the listen backlog of ${wanted} is capped at ${cappedBy} by net.core.somaxconn: a reconnect herd can overflow it and wait seconds for TCP retransmits; raise it (sysctl -w net.core.somaxconn=${wanted})`,
    );
  }
  return backlog;
}
