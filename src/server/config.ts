import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { MAX_ROOMS_PER_SOCKET } from '../protocol/index.js';
import { checkKeyPrefix } from './keys.js';
import { parseNodeList, type RedisTarget } from './redis.js';
import { parseTrustProxy, type TrustProxy } from './client-address.js';

/** Everything an instance needs to know, resolved once in `main` from flags, env and defaults. */
export interface InstanceConfig {
  instanceId: string;
  host: string;
  port: number;
  /** One Redis (`REDIS_URL`), a Redis Cluster (`REDIS_CLUSTER_NODES`) or Sentinel (`REDIS_SENTINELS`). */
  redis: RedisTarget;
  /** After each append, wait for this many replicas to confirm (0: do not wait). */
  appendWaitReplicas: number;
  appendWaitTimeoutMs: number;
  /** Prefix of every Redis key and channel this cluster uses. */
  keyPrefix: string;
  adminToken: string | undefined;
  historyMax: number;
  sessionTtlSec: number;
  /** A session's expiry is renewed at most this often (CHAT_SESSION_RENEW_SEC). */
  sessionRenewMs: number;
  /** How long an instance trusts a session it validated (CHAT_SESSION_CACHE_MS; 0: no cache). */
  sessionCacheMs: number;
  /** How often the sessions of live sockets are re-checked (sockets of vanished ones end). */
  sessionCheckMs: number;
  /** Per-socket token bucket: sustained events per second and burst size. */
  rateLimitPerSec: number;
  rateLimitBurst: number;
  /** Rooms one socket may be in at once (CHAT_MAX_ROOMS). */
  maxRoomsPerSocket: number;
  /** Rejected events within the flood window after which the socket is cut off. */
  floodDisconnectAfter: number;
  /** A session cut off for flooding waits this long before it may connect (doubling, max 60 s). */
  floodPenaltyMs: number;
  loginLimitPerIpPerMin: number;
  /** Failed logins for one name from one address (15 min) before that address is refused for it. */
  loginFailuresPerUser: number;
  /** Failed logins from one address, any names (15 min), before it is refused altogether. */
  loginFailuresPerIp: number;
  /** Failed logins for a name, from anywhere, before addresses that failed are slowed down. */
  loginSlowAfter: number;
  /** Longest delay of such a slowed-down login. */
  loginMaxDelayMs: number;
  /** How long a draining instance waits for its clients to move before closing. */
  drainGraceMs: number;
  /** Clients of a draining instance reconnect elsewhere within this window (jittered). */
  drainSpreadMs: number;
  /** After Redis has been unreachable this long, clients are told to move to another instance. */
  redisLostMoveMs: number;
  /** A socket whose unsent packets pile up past this (it stopped reading) is cut off. */
  slowConsumerMaxPackets: number;
  /** A request whose headers take longer than this is answered 408 and closed. */
  headersTimeoutMs: number;
  /** A request that takes longer than this to arrive whole is answered 408 and closed. */
  requestTimeoutMs: number;
  /** Connections one address may hold before any of them authenticated; the rest are refused. */
  unauthConnPerIp: number;
  /** Which hops may name the client in X-Forwarded-For (CHAT_TRUST_PROXY). */
  trustProxy: TrustProxy;
  logLevel: string;
  /** Set when a local-cluster supervisor hands connections over IPC. */
  supervised: boolean;
}

/** Reads an integer from the environment, refusing garbage with a clear message. */
export function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Parses a port number, refusing anything outside 0-65535. */
export function parsePort(raw: string | number, what = 'port'): number {
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`${what} must be an integer from 0 to 65535, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Instance config from env and defaults; `overrides` carry the command-line flags. */
export function instanceConfig(
  env: NodeJS.ProcessEnv,
  overrides: Partial<InstanceConfig> = {},
): InstanceConfig {
  return {
    instanceId: env.CHAT_INSTANCE_ID || `chat-${os.hostname()}-${randomBytes(2).toString('hex')}`,
    host: env.HOST || '0.0.0.0',
    port: parsePort(env.PORT ?? 3000, 'PORT'),
    redis: redisTarget(env),
    appendWaitReplicas: envInt(env, 'CHAT_APPEND_WAIT_REPLICAS', 0),
    appendWaitTimeoutMs: envInt(env, 'CHAT_APPEND_WAIT_TIMEOUT_MS', 20),
    keyPrefix: checkKeyPrefix(env.CHAT_KEY_PREFIX || 'chat:'),
    adminToken: env.CHAT_ADMIN_TOKEN || undefined,
    historyMax: envInt(env, 'CHAT_HISTORY_MAX', 10_000),
    sessionTtlSec: envInt(env, 'CHAT_SESSION_TTL_SEC', 30 * 24 * 3600),
    sessionRenewMs: envInt(env, 'CHAT_SESSION_RENEW_SEC', 300) * 1000,
    sessionCacheMs: envInt(env, 'CHAT_SESSION_CACHE_MS', 60_000),
    sessionCheckMs: Math.max(100, envInt(env, 'CHAT_SESSION_CHECK_MS', 120_000)),
    rateLimitPerSec: envInt(env, 'CHAT_RATE_PER_SEC', 20),
    rateLimitBurst: envInt(env, 'CHAT_RATE_BURST', 40),
    maxRoomsPerSocket: Math.max(1, envInt(env, 'CHAT_MAX_ROOMS', MAX_ROOMS_PER_SOCKET)),
    floodDisconnectAfter: envInt(env, 'CHAT_FLOOD_DISCONNECT_AFTER', 100),
    floodPenaltyMs: envInt(env, 'CHAT_FLOOD_PENALTY_MS', 2000),
    loginLimitPerIpPerMin: envInt(env, 'CHAT_LOGIN_PER_IP_PER_MIN', 60),
    loginFailuresPerUser: envInt(env, 'CHAT_LOGIN_FAILURES_PER_USER', 10),
    loginFailuresPerIp: envInt(env, 'CHAT_LOGIN_FAILURES_PER_IP', 100),
    loginSlowAfter: envInt(env, 'CHAT_LOGIN_SLOW_AFTER', 5),
    loginMaxDelayMs: envInt(env, 'CHAT_LOGIN_MAX_DELAY_MS', 5000),
    drainGraceMs: envInt(env, 'CHAT_DRAIN_GRACE_MS', 8000),
    drainSpreadMs: envInt(env, 'CHAT_DRAIN_SPREAD_MS', 1000),
    redisLostMoveMs: envInt(env, 'CHAT_REDIS_LOST_MOVE_MS', 5000),
    slowConsumerMaxPackets: envInt(env, 'CHAT_SLOW_CONSUMER_MAX_PACKETS', 5000),
    headersTimeoutMs: envInt(env, 'CHAT_HEADERS_TIMEOUT_MS', 5000),
    requestTimeoutMs: envInt(env, 'CHAT_REQUEST_TIMEOUT_MS', 10_000),
    unauthConnPerIp: envInt(env, 'CHAT_UNAUTH_CONN_PER_IP', 200),
    trustProxy: parseTrustProxy(env.CHAT_TRUST_PROXY),
    logLevel: env.LOG_LEVEL || 'info',
    supervised: false,
    ...overrides,
  };
}

/**
 * Which Redis to use, from the environment: `REDIS_CLUSTER_NODES` (host:port,...) for a
 * Redis Cluster, `REDIS_SENTINELS` (host:port,...) with `REDIS_SENTINEL_NAME` for Sentinel,
 * else `REDIS_URL`. Giving more than one is refused: which one was meant cannot be guessed.
 */
export function redisTarget(env: NodeJS.ProcessEnv): RedisTarget {
  const given = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'].filter((k) => env[k]);
  if (given.length > 1) {
    throw new Error(`set only one of ${given.join(', ')}: they name different Redis set-ups`);
  }
  if (env.REDIS_CLUSTER_NODES) {
    return {
      kind: 'cluster',
      nodes: parseNodeList(env.REDIS_CLUSTER_NODES, 'REDIS_CLUSTER_NODES'),
    };
  }
  if (env.REDIS_SENTINELS) {
    const name = env.REDIS_SENTINEL_NAME;
    if (!name) throw new Error('REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the primary name)');
    return {
      kind: 'sentinel',
      sentinels: parseNodeList(env.REDIS_SENTINELS, 'REDIS_SENTINELS'),
      name,
    };
  }
  return { kind: 'single', url: env.REDIS_URL || 'redis://127.0.0.1:6379' };
}
