import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { INSTANCE_ID_PATTERN, MAX_ROOMS_PER_SOCKET } from '../../protocol/index.js';
import {
  SHARED_SETTINGS,
  atLeast,
  checkedBy,
  define,
  intRange,
  nonNegativeInt,
  text,
} from '../../shared/settings.js';
import { parseTrustProxy } from '../transport/client-address.js';
import { checkKeyPrefix } from '../redis/keys.js';
import { parseNodeList } from '../redis/clients.js';

/** A port number, 0-65535 (0: any free port). */
const port = intRange(0, 65535);

/** An integer setting of the server: at least `min` (0 unless said), refused below it. */
function count(
  env: string,
  dflt: number,
  doc: string,
  opts: { defaultDoc?: string; min?: number } = {},
) {
  return define<number>({
    env,
    program: 'chat-server',
    schema: opts.min ? atLeast(opts.min) : nonNegativeInt,
    default: dflt,
    doc,
    ...(opts.defaultDoc ? { defaultDoc: opts.defaultDoc } : {}),
  });
}

/** How V8 sizes an instance's heap (see `heap` below). */
export const HEAP_MODES = ['small', 'fast'] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every setting of `chat-server`, in the order of the table in docs/configuration.md. `config.ts` builds an
 * instance's configuration from them; `chat-server config` prints them.
 */
export const SERVER_SETTINGS = {
  instances: define<number>({
    flag: '-n, --instances <n>',
    flagCommand: 'start',
    program: 'chat-server',
    schema: intRange(1, 64),
    default: 3,
    doc: 'instances in the local cluster',
  }),
  port: define<number>({
    env: 'PORT',
    flag: '-p, --port <port>',
    program: 'chat-server',
    schema: port,
    default: 3000,
    keepEmpty: true,
    doc: "public port (`start`) or the instance's port (`instance`)",
  }),
  host: define<string>({
    env: 'HOST',
    flag: '--host <host>',
    program: 'chat-server',
    schema: text,
    default: '0.0.0.0',
    defaultDoc: '`127.0.0.1` (`start`), `0.0.0.0` (`instance`)',
    doc: 'listen address',
  }),
  redisUrl: define<string>({
    env: 'REDIS_URL',
    flag: '--redis <url>',
    program: 'chat-server',
    schema: text,
    default: 'redis://127.0.0.1:6379',
    defaultDoc: 'private redis-server (`start`), `redis://127.0.0.1:6379` (`instance`)',
    secret: 'url',
    doc: 'one Redis (>= 7.0) to use',
  }),
  redisClusterNodes: define<string>({
    env: 'REDIS_CLUSTER_NODES',
    flag: '--redis-cluster <nodes>',
    program: 'chat-server',
    schema: checkedBy((raw) => (parseNodeList(raw, 'REDIS_CLUSTER_NODES'), raw)),
    doc: 'a Redis Cluster instead: `host:port,host:port,...` (some or all nodes; the rest are discovered)',
  }),
  redisSentinels: define<string>({
    env: 'REDIS_SENTINELS',
    program: 'chat-server',
    schema: checkedBy((raw) => (parseNodeList(raw, 'REDIS_SENTINELS'), raw)),
    doc: 'a Sentinel-managed primary instead: `host:port,...` of the sentinels',
  }),
  redisSentinelName: define<string>({
    env: 'REDIS_SENTINEL_NAME',
    program: 'chat-server',
    schema: text,
    doc: "the Sentinel-managed primary's name (with `REDIS_SENTINELS`)",
  }),
  redisUsername: define<string>({
    env: 'REDIS_USERNAME',
    program: 'chat-server',
    schema: text,
    doc: "the ACL user for the Redis Cluster's nodes or the Sentinel-managed primary (with `REDIS_URL` it goes in the URL)",
  }),
  redisPassword: define<string>({
    env: 'REDIS_PASSWORD',
    program: 'chat-server',
    schema: text,
    secret: 'all',
    doc: "the password for the Redis Cluster's nodes or the Sentinel-managed primary (with `REDIS_URL` it goes in the URL)",
  }),
  redisSentinelPassword: define<string>({
    env: 'REDIS_SENTINEL_PASSWORD',
    program: 'chat-server',
    schema: text,
    secret: 'all',
    doc: "the sentinels' own password (their `requirepass`), when they have one",
  }),
  appendWaitReplicas: count(
    'CHAT_APPEND_WAIT_REPLICAS',
    0,
    'after each append, `WAIT` for this many replicas (narrows what a failover can lose; see RELIABILITY.md)',
  ),
  appendWaitTimeoutMs: count(
    'CHAT_APPEND_WAIT_TIMEOUT_MS',
    20,
    'the longest an append waits for its replicas before it is acknowledged anyway (counted in `/metrics`)',
  ),
  stateDir: SHARED_SETTINGS.stateDir,
  xdgStateHome: SHARED_SETTINGS.xdgStateHome,
  instanceId: define<string>({
    env: 'CHAT_INSTANCE_ID',
    flag: '--id <id>',
    flagCommand: 'instance',
    program: 'chat-server',
    schema: z
      .string()
      .regex(INSTANCE_ID_PATTERN, 'must be 1-64 characters of A-Z, a-z, 0-9, "_" or "-"'),
    // A host name may hold dots (`name.local`) or be long: the id keeps what it allows.
    default: () =>
      `chat-${os
        .hostname()
        .replace(/[^A-Za-z0-9_-]/g, '-')
        .slice(0, 48)}-${randomBytes(2).toString('hex')}`,
    defaultDoc: '`chat-<host>-<random>`',
    doc: 'stable instance id',
  }),
  adminToken: SHARED_SETTINGS.adminToken,
  keyPrefix: define<string>({
    env: 'CHAT_KEY_PREFIX',
    program: 'chat-server',
    schema: checkedBy(checkKeyPrefix),
    default: 'chat:',
    doc: 'prefix of every Redis key and channel',
  }),
  historyMax: count('CHAT_HISTORY_MAX', 10_000, 'messages kept per room (at least 1)', { min: 1 }),
  sessionTtlSec: count(
    'CHAT_SESSION_TTL_SEC',
    30 * 24 * 3600,
    'sliding session expiry (at least 1)',
    {
      defaultDoc: '`2592000` (30 days)',
      min: 1,
    },
  ),
  sessionCheckMs: count(
    'CHAT_SESSION_CHECK_MS',
    120_000,
    'how often each instance sweeps the sessions of its live sockets (sockets of vanished ones end); a flushed Redis is noticed within about a second, without waiting for the sweep (at least 100)',
    { min: 100 },
  ),
  sessionCacheMs: count(
    'CHAT_SESSION_CACHE_MS',
    60_000,
    'how long an instance trusts a session it validated (0: never)',
  ),
  sessionRenewSec: count(
    'CHAT_SESSION_RENEW_SEC',
    300,
    "a session's expiry (and its user's index) is renewed at most this often",
  ),
  rateLimitPerSec: count(
    'CHAT_RATE_PER_SEC',
    20,
    "token bucket for all events, one per user on each instance (the user's sockets there share it): rate (at least 1)",
    { min: 1 },
  ),
  rateLimitBurst: count(
    'CHAT_RATE_BURST',
    40,
    "token bucket for all events, one per user on each instance (the user's sockets there share it): burst (at least 1)",
    { min: 1 },
  ),
  searchScanPerSec: count(
    'CHAT_SEARCH_SCAN_PER_SEC',
    2000,
    "history entries one user's searches may read a second on each instance, with a burst of five seconds' worth; a search step past it reads fewer, or is answered rate_limited (at least 200)",
    { min: 200 },
  ),
  maxRoomsPerSocket: count(
    'CHAT_MAX_ROOMS',
    MAX_ROOMS_PER_SOCKET,
    'rooms one connection may be in at once (at least 1); a join past it is refused with a message that says so',
    { min: 1 },
  ),
  floodDisconnectAfter: count(
    'CHAT_FLOOD_DISCONNECT_AFTER',
    100,
    'rejected events in a row after which a socket is cut off (at least 1)',
    { min: 1 },
  ),
  floodPenaltyMs: count(
    'CHAT_FLOOD_PENALTY_MS',
    2000,
    'a session cut off for flooding waits this long to reconnect (doubling per flood in 10 min, at most 60 s)',
  ),
  loginLimitPerIpPerMin: count(
    'CHAT_LOGIN_PER_IP_PER_MIN',
    60,
    'login attempts per client address per minute (at least 1)',
    { min: 1 },
  ),
  loginFailuresPerUser: count(
    'CHAT_LOGIN_FAILURES_PER_USER',
    10,
    'failed logins for one name from one address (15 min) before that address is refused for that name',
  ),
  loginFailuresPerIp: count(
    'CHAT_LOGIN_FAILURES_PER_IP',
    100,
    'failed logins from one address, any names (15 min), before it is refused',
  ),
  loginSlowAfter: count(
    'CHAT_LOGIN_SLOW_AFTER',
    5,
    'failed logins for a name (from anywhere) after which addresses that failed wait a doubling delay',
  ),
  loginMaxDelayMs: count(
    'CHAT_LOGIN_MAX_DELAY_MS',
    5000,
    'longest such delay; an address with no failures is never delayed or refused for a name',
  ),
  drainGraceMs: count(
    'CHAT_DRAIN_GRACE_MS',
    8000,
    'how long a draining instance waits for its clients to move',
  ),
  drainSpreadMs: count(
    'CHAT_DRAIN_SPREAD_MS',
    1000,
    'clients of a draining instance reconnect within this window (jittered)',
  ),
  redisLostMoveMs: count(
    'CHAT_REDIS_LOST_MOVE_MS',
    5000,
    'after Redis has been unreachable (or has not answered) this long, the instance tells its clients to move',
  ),
  slowConsumerMaxPackets: count(
    'CHAT_SLOW_CONSUMER_MAX_PACKETS',
    5000,
    'a socket with more unsent packets than this (it stopped reading) has its transport closed; it reconnects and resumes',
  ),
  // Node's clock for both starts when the connection is accepted, and a survivor of a crash
  // accepts its whole queue at once: at 5 s, herd-only bench runs had 1284 and 1570 live
  // upgrades answered 408 (their clients retried at the back of the queue: p99 13-17 s against
  // 9-11 s). Clients wait 20 s for the open (OPEN_TIMEOUT_MIN_MS), so the server waits as long.
  headersTimeoutMs: count(
    'CHAT_HEADERS_TIMEOUT_MS',
    20_000,
    "a request whose headers take longer is answered 408 and closed (checked every second); `chat-server start`'s public port closes a connection that sent nothing by then. Clients wait 20 s for a connection to open: a shorter wait here answers 408 to requests a busy instance (a reconnect herd) has not read yet",
  ),
  requestTimeoutMs: count(
    'CHAT_REQUEST_TIMEOUT_MS',
    20_000,
    'a request that takes longer to arrive whole (headers and body) is answered 408 and closed',
  ),
  listenBacklog: define<number>({
    env: 'CHAT_LISTEN_BACKLOG',
    program: 'chat-server',
    schema: intRange(1, 65535),
    default: 4096,
    doc: "connections the kernel queues for an instance (and `start`'s public port) while it is busy: a reconnect herd after a crash arrives faster than it is accepted, and a full queue makes clients wait for TCP retransmits (1, 3, 7, 15 s). Capped by `net.core.somaxconn`, which the instance says at startup",
  }),
  unauthConnPerIp: count(
    'CHAT_UNAUTH_CONN_PER_IP',
    200,
    "connections one address may hold before they authenticate; more are closed at once (off behind a proxy); `chat-server start`'s public port caps silent ones per address at this times the instances",
  ),
  trustProxy: define<string>({
    env: 'CHAT_TRUST_PROXY',
    program: 'chat-server',
    schema: checkedBy((raw) => (parseTrustProxy(raw), raw)),
    defaultDoc: 'off',
    doc: 'behind a balancer: hop count (`1`) or proxy addresses/CIDRs; the client is the right-most untrusted one',
  }),
  heap: define<string>({
    env: 'CHAT_HEAP',
    program: 'chat-server',
    schema: z.enum(HEAP_MODES, { error: `must be one of ${HEAP_MODES.join(', ')}` }),
    default: 'small',
    doc: "`small`: the heap grows at most 25 % past its live size (`--heap-growing-percent`) except while a storm of connects or joins lasts (20 or more a second: V8's own growth), and once a storm (500 or more) is over, one full collection gives back what it promoted (at most once a minute), so a storm's garbage is not kept as resident memory; `fast`: V8's defaults (grows up to 4x, never compacted on purpose)",
  }),
  glibcTunables: define<string>({
    env: 'GLIBC_TUNABLES',
    program: 'chat-server',
    schema: z.string(),
    defaultDoc: '`glibc.malloc.mmap_threshold=131072` added for the instances `start` forks',
    doc: 'glibc malloc settings, read when a process starts: with the mmap threshold fixed at 128 KiB the 16 MiB buffers of password hashes go back to the system once freed (after 200 logins: 69 MiB per instance instead of 139). Set it for `instance` yourself (the Dockerfile and the Kubernetes manifest do); an instance without it says so at startup',
  }),
  logLevel: define<string>({
    env: 'LOG_LEVEL',
    program: 'chat-server',
    schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
    default: 'info',
    doc: `pino log level: ${LOG_LEVELS.map((l) => `\`${l}\``).join(', ')}`,
  }),
  logFormat: define<string>({
    env: 'LOG_FORMAT',
    program: 'chat-server',
    schema: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }),
    defaultDoc: 'pretty on a terminal, else JSON',
    doc: '`json`: JSON lines on stderr even on a terminal; `pretty`: readable lines even when not (formatted on the event loop: for debugging, not production)',
  }),
} as const;

export type ServerSettings = typeof SERVER_SETTINGS;
export type ServerSettingName = keyof ServerSettings;
