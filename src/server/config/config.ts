import {
  resolveSetting,
  resolveSettings,
  wholeNumber,
  type Resolved,
  type Setting,
} from '../../shared/settings.js';
import { parseNodeList, type RedisTarget } from '../redis/clients.js';
import { parseTrustProxy, type TrustProxy } from '../transport/client-address.js';
import { SERVER_SETTINGS, type ServerSettingName, type ServerSettings } from './settings.js';

/**
 * Everything an instance needs to know, resolved once in `main` from flags, env and defaults,
 * as `settings.ts` defines them.
 */
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
  searchScanPerSec: number;
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
  /** The accept queue asked of the kernel for the instance's port (CHAT_LISTEN_BACKLOG). */
  listenBacklog: number;
  /** Which hops may name the client in X-Forwarded-For (CHAT_TRUST_PROXY). */
  trustProxy: TrustProxy;
  /** How V8 sizes the heap (CHAT_HEAP): `small` favours memory, `fast` is V8's default. */
  heap: 'small' | 'fast';
  logLevel: string;
  /** `json` forces JSON logs on a terminal too (LOG_FORMAT). */
  logFormat: string | undefined;
  /** Set when a local-cluster supervisor hands connections over IPC. */
  supervised: boolean;
}

/** Flags as given on the command line, by setting name (their text, parsed like the env). */
export type SettingFlags = Partial<Record<ServerSettingName, string>>;

/** Every server setting with its value and where it came from. */
export type ResolvedSettings = ReturnType<typeof resolveServerSettings>;

/** Resolves every server setting: flag, then environment, then default. */
export function resolveServerSettings(env: NodeJS.ProcessEnv, flags: SettingFlags = {}) {
  return resolveSettings<ServerSettings>(SERVER_SETTINGS, env, flags);
}

/** Parses a port number, refusing anything outside 0-65535. */
export function parsePort(raw: string | number, what = 'port'): number {
  const n = typeof raw === 'number' ? raw : wholeNumber(raw);
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`${what} must be an integer from 0 to 65535, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** One server setting's value from the environment alone (or its default). */
export function serverSetting<K extends ServerSettingName>(
  name: K,
  env: NodeJS.ProcessEnv,
): ResolvedSettings[K]['value'] {
  return resolveSetting(SERVER_SETTINGS[name] as Setting<unknown>, env)
    .value as ResolvedSettings[K]['value'];
}

/**
 * Instance config from flags, env and defaults. Throws a `SettingError` naming the variable
 * (or flag) of a value that does not parse.
 */
export function instanceConfig(
  env: NodeJS.ProcessEnv,
  flags: SettingFlags = {},
  supervised = false,
): InstanceConfig {
  const s = resolveServerSettings(env, flags);
  const v = <K extends ServerSettingName>(k: K): NonNullable<ResolvedSettings[K]['value']> =>
    s[k].value!;
  return {
    instanceId: v('instanceId'),
    host: v('host'),
    port: v('port'),
    redis: redisTarget(s),
    appendWaitReplicas: v('appendWaitReplicas'),
    appendWaitTimeoutMs: v('appendWaitTimeoutMs'),
    keyPrefix: v('keyPrefix'),
    adminToken: s.adminToken.value || undefined,
    historyMax: v('historyMax'),
    sessionTtlSec: v('sessionTtlSec'),
    sessionRenewMs: v('sessionRenewSec') * 1000,
    sessionCacheMs: v('sessionCacheMs'),
    sessionCheckMs: v('sessionCheckMs'),
    rateLimitPerSec: v('rateLimitPerSec'),
    rateLimitBurst: v('rateLimitBurst'),
    searchScanPerSec: v('searchScanPerSec'),
    maxRoomsPerSocket: v('maxRoomsPerSocket'),
    floodDisconnectAfter: v('floodDisconnectAfter'),
    floodPenaltyMs: v('floodPenaltyMs'),
    loginLimitPerIpPerMin: v('loginLimitPerIpPerMin'),
    loginFailuresPerUser: v('loginFailuresPerUser'),
    loginFailuresPerIp: v('loginFailuresPerIp'),
    loginSlowAfter: v('loginSlowAfter'),
    loginMaxDelayMs: v('loginMaxDelayMs'),
    drainGraceMs: v('drainGraceMs'),
    drainSpreadMs: v('drainSpreadMs'),
    redisLostMoveMs: v('redisLostMoveMs'),
    slowConsumerMaxPackets: v('slowConsumerMaxPackets'),
    headersTimeoutMs: v('headersTimeoutMs'),
    requestTimeoutMs: v('requestTimeoutMs'),
    unauthConnPerIp: v('unauthConnPerIp'),
    listenBacklog: v('listenBacklog'),
    trustProxy: parseTrustProxy(s.trustProxy.value),
    heap: v('heap') as InstanceConfig['heap'],
    logLevel: v('logLevel'),
    logFormat: s.logFormat.value,
    supervised,
  };
}

type RedisSettings = Pick<
  ResolvedSettings,
  | 'redisUrl'
  | 'redisClusterNodes'
  | 'redisSentinels'
  | 'redisSentinelName'
  | 'redisUsername'
  | 'redisPassword'
  | 'redisSentinelPassword'
>;

/**
 * Which Redis to use: `REDIS_CLUSTER_NODES` (host:port,...; `--redis-cluster`) for a Redis
 * Cluster, `REDIS_SENTINELS` (host:port,...) with `REDIS_SENTINEL_NAME` for Sentinel, else
 * `REDIS_URL` (`--redis`). Giving more than one is refused: which one was meant cannot be
 * guessed.
 */
export function redisTarget(s: RedisSettings): RedisTarget {
  const given = (
    [
      ['REDIS_URL', s.redisUrl],
      ['REDIS_CLUSTER_NODES', s.redisClusterNodes],
      ['REDIS_SENTINELS', s.redisSentinels],
    ] as [string, Resolved<string>][]
  )
    .filter(([, r]) => r.source !== 'default')
    .map(([name]) => name);
  if (given.length > 1) {
    throw new Error(`set only one of ${given.join(', ')}: they name different Redis set-ups`);
  }
  // Empty means unset: a password is never the empty string in Redis.
  const auth = {
    ...(s.redisUsername.value ? { username: s.redisUsername.value } : {}),
    ...(s.redisPassword.value ? { password: s.redisPassword.value } : {}),
  };
  const credentials = Object.keys(auth).length > 0;
  if (s.redisClusterNodes.value) {
    return {
      kind: 'cluster',
      nodes: parseNodeList(s.redisClusterNodes.value, 'REDIS_CLUSTER_NODES'),
      ...(credentials ? { auth } : {}),
    };
  }
  if (s.redisSentinels.value) {
    const name = s.redisSentinelName.value;
    if (!name) throw new Error('REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the primary name)');
    return {
      kind: 'sentinel',
      sentinels: parseNodeList(s.redisSentinels.value, 'REDIS_SENTINELS'),
      name,
      ...(credentials ? { auth } : {}),
      ...(s.redisSentinelPassword.value ? { sentinelPassword: s.redisSentinelPassword.value } : {}),
    };
  }
  if (credentials || s.redisSentinelPassword.value) {
    // Two places for one password: which one was meant cannot be guessed.
    const names = [
      s.redisUsername.value && 'REDIS_USERNAME',
      s.redisPassword.value && 'REDIS_PASSWORD',
      s.redisSentinelPassword.value && 'REDIS_SENTINEL_PASSWORD',
    ].filter(Boolean);
    throw new Error(
      `${names.join(' and ')} go with REDIS_CLUSTER_NODES or REDIS_SENTINELS; with REDIS_URL put the user and password in the URL (redis://user:password@host:port)`,
    );
  }
  return { kind: 'single', url: s.redisUrl.value! };
}
