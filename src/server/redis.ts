import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

/** The Redis connections one instance holds; `main`/`instance` is the only place they are made. */
export interface RedisClients {
  /** Commands. Fails fast while Redis is away (no offline queue) so callers can answer `unavailable`. */
  cmd: Redis;
  /** Socket.IO adapter publisher and subscriber. */
  pub: Redis;
  sub: Redis;
  /** Subscriber for the ordered message fan-out channel. */
  fanout: Redis;
}

const retryStrategy = (times: number): number => Math.min(100 * 2 ** Math.min(times, 5), 2000);

export function createRedisClients(url: string, log: Logger, name: string): RedisClients {
  const base: RedisOptions = {
    retryStrategy,
    connectionName: name,
    lazyConnect: false,
    // Keep trying to reconnect forever: an instance outlives a Redis restart.
    reconnectOnError: () => true,
  };
  const cmd = new Redis(url, {
    ...base,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 3000,
  });
  // The adapter publishes without awaiting; bound its retries so a long outage cannot
  // pile up publishes in memory (rejections are logged by the process-level handler).
  const pub = new Redis(url, { ...base, maxRetriesPerRequest: 2 });
  const sub = new Redis(url, { ...base, maxRetriesPerRequest: 2 });
  const fanout = new Redis(url, { ...base, maxRetriesPerRequest: 2 });
  for (const [role, client] of Object.entries({ cmd, pub, sub, fanout })) {
    let down = false;
    client.on('error', (err: Error) => {
      if (!down) log.warn({ role, err: err.message }, 'redis connection error');
      down = true;
    });
    client.on('ready', () => {
      if (down) log.info({ role }, 'redis connection restored');
      down = false;
    });
  }
  return { cmd, pub, sub, fanout };
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export function waitReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

export async function quitAll(clients: RedisClients): Promise<void> {
  await Promise.all(
    Object.values(clients).map(async (c: Redis) => {
      try {
        await c.quit();
      } catch {
        c.disconnect();
      }
    }),
  );
}
