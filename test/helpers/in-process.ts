import { afterEach } from 'vitest';
import { DrainReason } from '../../src/protocol/index.js';
import { instanceConfig } from '../../src/server/config/config.js';
import { startInstance, type RunningInstance } from '../../src/server/instance.js';
import { createLogger } from '../../src/server/ops/logger.js';
import { TEST_ENV } from './cluster.js';
import { freePort } from './processes.js';
import type { TestRedis } from './redis.js';

/**
 * Instances run in the test's own process, so that a test can look at their sockets and parts
 * (or drive one part, as the session watch, itself), each on the test's Redis under a key
 * prefix of its own; each is drained and closed after its test. Returns the starter.
 */
export function useInProcessInstance(store: {
  readonly redis: TestRedis;
}): (keyPrefix: string, instanceId: string) => Promise<{ running: RunningInstance; url: string }> {
  const started: RunningInstance[] = [];
  afterEach(async () => {
    for (const running of started.splice(0)) {
      await running.ctx.drain(DrainReason.Shutdown);
      await running.closed;
    }
  });
  return async (keyPrefix, instanceId) => {
    const cfg = instanceConfig(
      { ...TEST_ENV, REDIS_URL: store.redis.url, CHAT_KEY_PREFIX: keyPrefix },
      { port: String(await freePort()), host: '127.0.0.1', instanceId },
    );
    const running = await startInstance(
      cfg,
      createLogger('warn', { instance: instanceId }, 'json'),
    );
    started.push(running);
    return { running, url: `http://127.0.0.1:${running.port()}` };
  };
}
