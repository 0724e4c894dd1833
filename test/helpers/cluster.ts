import { spawn, type ChildProcess } from 'node:child_process';
import { Cluster, Redis } from 'ioredis';
import type { RedisConn } from '../../src/server/redis/clients.js';
import { afterAll, beforeAll } from 'vitest';
import { io } from 'socket.io-client';
import { login } from '../../src/client/api.js';
import { ChatClient, type ChatClientOptions } from '../../src/client/chat-client.js';
import { ADMIN_NAMESPACE, type Result, type UsersCreateResult } from '../../src/protocol/index.js';
import {
  LogWatch,
  SERVER_MAIN,
  exited,
  freePort,
  killAll,
  killAndWait,
  track,
} from './processes.js';
import { eventually } from './eventually.js';
import { TestRedis } from './redis.js';
import { parseToken } from '../../src/server/auth/session-tokens.js';
import { TestRedisCluster } from './redis-cluster.js';

/** A test's Redis: one server or a Redis Cluster, started and stopped by the test. */
export type TestStore = TestRedis | TestRedisCluster;

/** The two set-ups the shared integration suite runs against. */
export type Backend = TestStore['kind'];
export const BACKENDS: Backend[] = ['single', 'cluster'];
/**
 * The backend of this run of the shared suite: vitest runs the shared integration files once
 * per backend (see vitest.config.ts), setting CHAT_TEST_BACKEND for the cluster run.
 */
export const BACKEND: Backend = process.env.CHAT_TEST_BACKEND === 'cluster' ? 'cluster' : 'single';

/** Starts a store of the given kind (a cluster: 3 masters, no replicas). */
export function startStore(backend: Backend): Promise<TestStore> {
  return backend === 'cluster' ? TestRedisCluster.start() : TestRedis.start();
}

/**
 * A command connection to `store` as an instance makes one: auto-pipelined, so every turn's
 * commands share a pipeline (per node on a Cluster, reading from masters).
 */
export function commandClient(store: TestStore): RedisConn {
  if (store.kind === 'single') return new Redis(store.url, { enableAutoPipelining: true });
  const [host, port] = store.nodeList.split(',')[0]!.split(':') as [string, string];
  return new Cluster([{ host, port: Number(port) }], {
    enableAutoPipelining: true,
    scaleReads: 'master',
  });
}

/** Defaults that let tests log many users in from one address and keep drains short. */
export const TEST_ENV: Record<string, string> = {
  LOG_FORMAT: 'json',
  LOG_LEVEL: 'info',
  CHAT_LOGIN_PER_IP_PER_MIN: '100000',
  // Every test client connects from 127.0.0.1; reconnect storms of thousands are tested.
  CHAT_UNAUTH_CONN_PER_IP: '100000',
  CHAT_RATE_PER_SEC: '2000',
  CHAT_RATE_BURST: '4000',
  CHAT_DRAIN_GRACE_MS: '3000',
  CHAT_DRAIN_SPREAD_MS: '300',
  CHAT_ADMIN_TOKEN: 'test-admin-token-0123456789',
};

/** One `chat-server instance` process on a loopback port of its own. */
export class TestInstance {
  proc!: ChildProcess;
  log!: LogWatch;
  bootId = '';

  constructor(
    readonly id: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.proc.pid ?? 0;
  }

  /** Starts the process and resolves once it logs that it is ready. */
  async start(): Promise<this> {
    this.proc = track(
      spawn(
        process.execPath,
        [
          SERVER_MAIN,
          'instance',
          '--port',
          String(this.port),
          '--host',
          '127.0.0.1',
          '--id',
          this.id,
        ],
        {
          env: { ...process.env, ...TEST_ENV, ...this.env },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      ),
    );
    this.log = new LogWatch(this.proc.stderr!);
    const failed = exited(this.proc).then(({ code }) => {
      throw new Error(
        `${this.id} exited with ${code} before it was ready: ${JSON.stringify(this.log.lines.slice(-3))}`,
      );
    });
    const ready = await Promise.race([this.log.wait((l) => l.msg === 'instance ready'), failed]);
    this.bootId = String(ready.bootId);
    return this;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return killAndWait(this.proc, signal);
  }
}

/** N instances of one cluster on one Redis (a URL) or on a test store. */
export async function startInstances(
  n: number,
  redis: string | TestStore,
  env: Record<string, string> = {},
): Promise<TestInstance[]> {
  const prefix = env.CHAT_KEY_PREFIX ?? 'chat:';
  const target = typeof redis === 'string' ? { REDIS_URL: redis } : redis.env();
  const instanceEnv = { ...target, CHAT_KEY_PREFIX: prefix, ...env };
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      // A port that was free when asked for can be taken before the instance binds it (by
      // another test's server, or as an outgoing connection's port): then it takes another.
      for (let attempt = 1; ; attempt++) {
        const inst = new TestInstance(`chat-${i + 1}`, await freePort(), instanceEnv);
        try {
          return await inst.start();
        } catch (err) {
          if (attempt >= 5 || !String((err as Error).message).includes('EADDRINUSE')) throw err;
        }
      }
    }),
  );
}

/** The Redis key of a token's session (in its user's slot: the token names the user). */
export function sessionKey(token: string, prefix = 'chat:'): string {
  const t = parseToken(token);
  if (!t) throw new Error(`not a session token: ${token}`);
  return `${prefix}user:{${t.user}}:session:${t.hash}`;
}

let userSeq = 0;
/**
 * A fresh user name, unique within a test file's run (each file has a Redis of its own). Its
 * length stays what it is when the file runs alone: a worker's files share this module, and
 * `test/helpers/per-file.ts` starts the names over for each (tmux tests read whole lines of an
 * 80-column screen, where a longer name wraps).
 */
export function userName(prefix = 'u'): string {
  return `${prefix}${process.pid % 10000}-${++userSeq}`;
}

/** Starts the names over, for the next test file (`test/helpers/per-file.ts`). */
export function resetUserNames(): void {
  userSeq = 0;
}

/** Logs a fresh user in through `server` and connects a client to `servers`. */
export async function connectUser(
  servers: string[],
  opts: Partial<ChatClientOptions> & { user?: string } = {},
): Promise<{ client: ChatClient; user: string; token: string }> {
  const user = opts.user ?? userName();
  const { token } = await login(servers[0]!, user, 'password-1');
  const client = new ChatClient({ servers, token, pingEveryMs: 0, ...opts });
  await client.connect();
  return { client, user, token };
}

/** Two users on two instances join `room`: one's message reaches the other. */
export async function chatAcross(urls: readonly string[], room: string): Promise<void> {
  const one = await connectUser([urls[0]!]);
  const two = await connectUser([urls[1]!]);
  try {
    await one.client.join(room);
    await two.client.join(room);
    await one.client.send(room, `across ${room}`);
    await until(two.client, () => two.client.rooms.get(room)!.messages.length === 1);
  } finally {
    one.client.close();
    two.client.close();
  }
}

/** Resolves when `pred` holds, checked on each of the client's events (no polling sleeps). */
export function until(
  client: ChatClient,
  pred: () => boolean,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = [];
    const done = (err?: Error): void => {
      clearTimeout(t);
      offs.forEach((o) => o());
      if (err) reject(err);
      else resolve();
    };
    const t = setTimeout(() => done(new Error(`timed out waiting for ${what}`)), timeoutMs);
    const check = (): void => {
      if (pred()) done();
    };
    for (const ev of ['message', 'room', 'state', 'outgoing', 'status'] as const)
      offs.push(client.on(ev, check));
  });
}

export { killAndWait };

/** A test file's cluster: its own redis-server and `n` instances, and the clients to close. */
export interface ClusterFixture {
  /** One redis-server or a Redis Cluster: the backend of this run (see BACKEND). */
  redis: TestStore;
  nodes: TestInstance[];
  clients: ChatClient[];
}

/**
 * Starts a cluster before the file's (or describe block's) tests and, after them, closes the
 * clients it was given and kills (by PID) every process it started.
 */
export function useCluster(
  n: number,
  env: Record<string, string> = {},
  backend: Backend = BACKEND,
): ClusterFixture {
  const fixture = { nodes: [], clients: [] } as unknown as ClusterFixture;
  beforeAll(async () => {
    fixture.redis = await startStore(backend);
    fixture.nodes = await startInstances(n, fixture.redis, env);
  });
  afterAll(async () => {
    for (const c of fixture.clients.splice(0)) c.close();
    // Describe blocks run one after another, so this kills only this block's processes.
    await killAll();
  });
  return fixture;
}

/**
 * Reads an instance's /readyz until it answers `status` (readiness has no event to await);
 * ms until it did.
 */
export async function readyzUntil(url: string, status: number, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  return eventually(
    async () => {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) });
      if (res.status !== status) throw new Error(`it answered ${res.status}`);
      return Date.now() - t0;
    },
    { what: `${url}/readyz answering ${status}`, timeoutMs },
  );
}

/**
 * Creates `n` users named `<prefix>-<i>` with a session each through an instance's admin API
 * (the load tester's bulk path: no scrypt per user). `prefix`: "lt" and 4-12 of a-z, 0-9.
 */
export async function bulkUsers(
  url: string,
  n: number,
  prefix: string,
): Promise<{ name: string; token: string }[]> {
  const admin = io(`${url}${ADMIN_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { adminToken: TEST_ENV.CHAT_ADMIN_TOKEN },
    forceNew: true,
  });
  try {
    const res = await new Promise<Result<UsersCreateResult>>((r) =>
      admin.emit('admin:users:create', { prefix, from: 0, count: n, ttlSec: 600 }, r),
    );
    if (!res.ok) throw new Error(res.error.message);
    return res.data.users;
  } finally {
    admin.close();
  }
}
