import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis as RedisClient } from 'ioredis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect } from 'vitest';
import { waitForRedis } from '../../src/server/local-cluster/private-redis.js';
import { ROOT, freePort, killAndWait, tmpDir, track } from './processes.js';

/** The port was taken by someone else before this redis-server could listen on it. */
class PortTaken extends Error {
  constructor(port: number) {
    super(`redis-server on port ${port} exited or was not the one answering: the port was taken`);
  }
}

/**
 * Whether the redis-server answering on `port` is the process `pid`, not another one that took
 * the port between the moment it was seen free and this server's start.
 */
export async function isOwnServer(port: number, pid: number | undefined): Promise<boolean> {
  const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  try {
    return Number(/^process_id:(\d+)/m.exec(await r.info('server'))?.[1]) === pid;
  } finally {
    r.disconnect();
  }
}

/** A redis-server of a test's own, on a free loopback port, that the test may stop and restart. */
export class TestRedis {
  readonly kind = 'single' as const;
  private proc: ChildProcess | undefined;
  readonly dir = tmpDir('redis');

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The redis-server's pid while it runs. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** The pid of the server that holds `key` (this one: as a cluster's `pidOf` answers). */
  pidOf(_key: string): Promise<number> {
    if (this.proc?.pid === undefined)
      return Promise.reject(new Error('redis-server is not running'));
    return Promise.resolve(this.proc.pid);
  }

  env(): Record<string, string> {
    return { REDIS_URL: this.url };
  }

  /**
   * On a free port. A port that was free when asked for can be taken before redis-server binds
   * it (by another test's server, or as an outgoing connection's port): then it tries another.
   */
  static async start(): Promise<TestRedis> {
    for (let attempt = 1; ; attempt++) {
      const r = new TestRedis(await freePort());
      try {
        await r.up();
        return r;
      } catch (err) {
        await r.down();
        if (!(err instanceof PortTaken) || attempt === 5) throw err;
      }
    }
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
    const proc = this.proc;
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', () => reject(new PortTaken(this.port))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForRedis(this.url, 10_000), exited]);
    // Whoever answered must be this server, not another one on the same port.
    if (!(await isOwnServer(this.port, proc.pid))) throw new PortTaken(this.port);
  }

  /** Stops it the hard way (SIGKILL): with appendfsync always nothing acknowledged is lost. */
  async down(): Promise<void> {
    if (this.proc) await killAndWait(this.proc, 'SIGKILL');
    this.proc = undefined;
  }

  /** FLUSHALL: what an operator's mistake does to the whole data set. */
  async flushAll(): Promise<void> {
    const r = this.client();
    try {
      await r.flushall();
    } finally {
      r.disconnect();
    }
  }

  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1 });
  }

  /** DBSIZE: how many keys the server holds. */
  async keyCount(): Promise<number> {
    const r = this.client();
    try {
      return await r.dbsize();
    } finally {
      r.disconnect();
    }
  }

  /** Every key's name, by a full SCAN (tests only). */
  async allKeys(): Promise<string[]> {
    const r = this.client();
    try {
      return await scanAll(r);
    } finally {
      r.disconnect();
    }
  }
}

/**
 * A redis-server of the test file's own with one client of it, started before the file's tests
 * and stopped after them.
 */
export function useTestRedis(): { readonly redis: TestRedis; readonly conn: RedisClient } {
  let redis: TestRedis | undefined;
  let conn: RedisClient | undefined;
  beforeAll(async () => {
    redis = await TestRedis.start();
    conn = redis.client();
  });
  afterAll(async () => {
    conn?.disconnect();
    await redis?.down();
  });
  const started = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error('useTestRedis: used before its beforeAll ran');
    return x;
  };
  return {
    get redis() {
      return started(redis);
    },
    get conn() {
      return started(conn);
    },
  };
}

/**
 * Every key the key layout of docs/protocol.md allows (prefix `chat:`). A test that SCANs
 * Redis after hostile input expects nothing else.
 */
export const KEY_LAYOUT =
  /^chat:(user:\{[a-z0-9][a-z0-9_-]{0,31}\}(:sessions|:ban|:seen|:marks|:rooms|:directs|:session:[0-9a-f]{64}|:flood:(strikes|block):[0-9a-f]{64})?|users|room:\{(@[a-z0-9][a-z0-9_-]{0,31}\+)?[a-z0-9][a-z0-9_-]{0,31}\}:(log|meta|presence|presence:boots|typing|edits|edits:order|sent:[a-z0-9][a-z0-9_-]{0,31}:[A-Za-z0-9_-]{8,64})|rooms|directs|\{instances\}(:[A-Za-z0-9_-]+(:rooms)?|:presence:alive)?|ratelimit:login:((ip|ipfail):[0-9a-f.:]+|pair:[a-z0-9][a-z0-9_-]{0,31}:[0-9a-f.:]+|user:[a-z0-9][a-z0-9_-]{0,31}))$/;

/** All keys, by a full SCAN (tests only: never on a hot path). */
export async function scanAll(client: RedisClient): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/**
 * The `ACL SETUSER chat ...` line of docs/operations.md, split into ACL SETUSER's arguments
 * (after the name), with `password` for its placeholder: the tests run the line as written.
 */
export function documentedAcl(password: string): string[] {
  const doc = readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
  const lines = doc.split('\n').filter((l) => /^\s*ACL SETUSER chat /.test(l));
  expect(lines).toHaveLength(1);
  const words = lines[0]!.trim().split(/\s+/).slice(3);
  expect(words).toContain('>CHANGE-ME');
  return words.map((w) => (w === '>CHANGE-ME' ? `>${password}` : w));
}

/**
 * A redis-server in Sentinel mode on a free loopback port, watching `primaryPort` as
 * `chatprimary`; with `password` it asks for one itself (`requirepass`), with
 * `primaryPassword` it logs in to the primary. Resolves with its port once it answers.
 */
export async function startSentinel(
  primaryPort: number,
  opts: { password?: string; primaryPassword?: string } = {},
): Promise<number> {
  const port = await freePort();
  const dir = tmpDir('sentinel');
  const conf = path.join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      ...(opts.password ? [`requirepass ${opts.password}`] : []),
      `sentinel monitor chatprimary 127.0.0.1 ${primaryPort} 1`,
      ...(opts.primaryPassword ? [`sentinel auth-pass chatprimary ${opts.primaryPassword}`] : []),
      'sentinel down-after-milliseconds chatprimary 2000',
      '',
    ].join('\n'),
  );
  track(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
  const auth = opts.password ? `:${opts.password}@` : '';
  await waitForRedis(`redis://${auth}127.0.0.1:${port}`, 10_000);
  return port;
}
