import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { killAndWait, track } from '../helpers/processes.js';
import { isOwnServer, useTestRedis } from '../helpers/redis.js';

/**
 * The tests' own redis-servers take a port that was free when looked at; another process may
 * bind it first. The helpers then must not take the server that answers there for theirs
 * (TestRedis and the Redis Cluster nodes both check, and start elsewhere).
 */
const server = useTestRedis();

describe("the tests' redis-server on a taken port", () => {
  it('is told apart from the server that holds the port', async () => {
    const { port, pid } = server.redis;
    expect(await isOwnServer(port, pid)).toBe(true);
    // A second redis-server on the same port cannot bind it; the one answering is the first.
    const late = track(
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1'], { stdio: 'ignore' }),
    );
    try {
      expect(await isOwnServer(port, late.pid)).toBe(false);
    } finally {
      await killAndWait(late, 'SIGKILL');
    }
  });
});
