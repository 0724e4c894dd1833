import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { waitForRedis } from '../../src/server/private-redis.js';
import { freePort, killAndWait, tmpDir, track } from './processes.js';

/** A redis-server of a test's own, on a free loopback port, that the test may stop and restart. */
export class TestRedis {
  private proc: ChildProcess | undefined;
  readonly dir = tmpDir('redis');

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRedis> {
    const r = new TestRedis(await freePort());
    await r.up();
    return r;
  }

  /** Starts (or restarts) the server with append-only persistence in its own directory. */
  async up(): Promise<void> {
    this.proc = track(
      spawn(
        'redis-server',
        [
          '--port',
          String(this.port),
          '--bind',
          '127.0.0.1',
          '--dir',
          this.dir,
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
          '--save',
          '',
        ],
        { stdio: 'ignore' },
      ),
    );
    await waitForRedis(this.url, 10_000);
  }

  /** Stops it the hard way (SIGKILL): with appendfsync always nothing acknowledged is lost. */
  async down(): Promise<void> {
    if (this.proc) await killAndWait(this.proc, 'SIGKILL');
    this.proc = undefined;
  }

  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1 });
  }
}
