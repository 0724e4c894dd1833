import os from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { INSTANCE_ID_PATTERN } from '../../src/protocol/index.js';
import { configReport, maskUrl } from '../../src/server/config/config-report.js';
import {
  instanceConfig,
  parsePort,
  redisTarget,
  resolveServerSettings,
  serverSetting,
} from '../../src/server/config/config.js';
import { SERVER_SETTINGS } from '../../src/server/config/settings.js';
import { OPEN_TIMEOUT_MIN_MS } from '../../src/client/delivery/backoff.js';
import { SHARED_SETTINGS } from '../../src/shared/settings.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

describe('instance configuration from the settings definitions', () => {
  it('defaults are what they always were', () => {
    const { instanceId, trustProxy, ...cfg } = instanceConfig({});
    expect(instanceId).toMatch(/^chat-.+-[0-9a-f]{4}$/);
    // Whatever the host's name (dots, length), the default is an id an instance takes.
    expect(instanceId).toMatch(INSTANCE_ID_PATTERN);
    const hostname = vi.spyOn(os, 'hostname').mockReturnValue(`mac.local${'x'.repeat(80)}`);
    try {
      expect(instanceConfig({}).instanceId).toMatch(INSTANCE_ID_PATTERN);
    } finally {
      hostname.mockRestore();
    }
    expect(trustProxy).toBeNull();
    expect(cfg).toEqual({
      host: '0.0.0.0',
      port: 3000,
      redis: { kind: 'single', url: 'redis://127.0.0.1:6379' },
      appendWaitReplicas: 0,
      appendWaitTimeoutMs: 20,
      keyPrefix: 'chat:',
      adminToken: undefined,
      historyMax: 10_000,
      sessionTtlSec: 2_592_000,
      sessionRenewMs: 300_000,
      sessionCacheMs: 60_000,
      sessionCheckMs: 120_000,
      rateLimitPerSec: 20,
      rateLimitBurst: 40,
      searchScanPerSec: 2000,
      maxRoomsPerSocket: 50,
      floodDisconnectAfter: 100,
      floodPenaltyMs: 2000,
      loginLimitPerIpPerMin: 60,
      loginFailuresPerUser: 10,
      loginFailuresPerIp: 100,
      loginSlowAfter: 5,
      loginMaxDelayMs: 5000,
      drainGraceMs: 8000,
      drainSpreadMs: 1000,
      redisLostMoveMs: 5000,
      slowConsumerMaxPackets: 5000,
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 20_000,
      unauthConnPerIp: 200,
      listenBacklog: 4096,
      heap: 'small',
      logLevel: 'info',
      logFormat: undefined,
      supervised: false,
    });
  });

  it('reads the environment; an empty variable is unset; a flag wins over its variable', () => {
    const cfg = instanceConfig(
      {
        HOST: '',
        CHAT_HISTORY_MAX: '7',
        CHAT_SESSION_RENEW_SEC: '2',
        CHAT_SESSION_CHECK_MS: '150',
        CHAT_MAX_ROOMS: '2',
        CHAT_ADMIN_TOKEN: 'tok',
        CHAT_TRUST_PROXY: '1',
        REDIS_URL: 'redis://10.0.0.1:6379',
        PORT: '4000',
      },
      { port: '4001', instanceId: 'chat-x' },
      true,
    );
    expect(cfg.host).toBe('0.0.0.0');
    expect(cfg.historyMax).toBe(7);
    expect(cfg.sessionRenewMs).toBe(2000);
    expect(cfg.sessionCheckMs).toBe(150);
    expect(cfg.maxRoomsPerSocket).toBe(2);
    expect(cfg.adminToken).toBe('tok');
    expect(cfg.trustProxy).toBeTypeOf('function');
    expect(cfg.redis).toEqual({ kind: 'single', url: 'redis://10.0.0.1:6379' });
    expect(cfg.port).toBe(4001);
    expect(cfg.instanceId).toBe('chat-x');
    expect(cfg.supervised).toBe(true);
    expect(serverSetting('unauthConnPerIp', { CHAT_UNAUTH_CONN_PER_IP: '3' })).toBe(3);
  });

  it("waits for a request's headers at least as long as clients wait for the open", () => {
    // A busy instance (a reconnect herd) reads requests late; cutting them off sooner answers
    // 408 to clients that were still waiting (bench/ANALYSIS.md, section x).
    const cfg = instanceConfig({});
    expect(cfg.headersTimeoutMs).toBeGreaterThanOrEqual(OPEN_TIMEOUT_MIN_MS);
    expect(cfg.requestTimeoutMs).toBeGreaterThanOrEqual(OPEN_TIMEOUT_MIN_MS);
  });

  it('sizes the heap for memory unless told otherwise', () => {
    expect(instanceConfig({}).heap).toBe('small');
    expect(instanceConfig({ CHAT_HEAP: 'fast' }).heap).toBe('fast');
  });

  it('refuses a value that does not parse, naming the variable or flag and the value', () => {
    expect(() => instanceConfig({ CHAT_HISTORY_MAX: '-1' })).toThrow(
      'CHAT_HISTORY_MAX must be an integer of at least 1, got "-1"',
    );
    expect(() => instanceConfig({ CHAT_DRAIN_GRACE_MS: '-1' })).toThrow(
      'CHAT_DRAIN_GRACE_MS must be a non-negative integer, got "-1"',
    );
    expect(() => instanceConfig({ CHAT_RATE_BURST: '1.5' })).toThrow(/^CHAT_RATE_BURST must/);
    // Numbers are decimal digits: what Number() would also read is refused.
    expect(instanceConfig({ PORT: '' }).port).toBe(0); // empty: any free port, as before
    // The commands' own --port (and PORT through it) reads the same way.
    expect(parsePort('4001')).toBe(4001);
    for (const raw of ['0x10', '1e3', ' 3000']) expect(() => parsePort(raw)).toThrow(/got/);
    for (const raw of ['0x10', '1e3', ' 3000', '3000 ', '12.0', '99999999999999999999']) {
      expect(() => instanceConfig({ PORT: raw })).toThrow(
        `PORT must be an integer from 0 to 65535, got ${JSON.stringify(raw)}`,
      );
    }
    expect(() => instanceConfig({ CHAT_HISTORY_MAX: '1e3' })).toThrow(
      'CHAT_HISTORY_MAX must be an integer of at least 1, got "1e3"',
    );
    // Values that would break the instance are refused, not clamped or taken.
    for (const [name, raw, least] of [
      ['CHAT_HISTORY_MAX', '0', 1],
      ['CHAT_SESSION_TTL_SEC', '0', 1],
      ['CHAT_RATE_PER_SEC', '0', 1],
      ['CHAT_MAX_ROOMS', '0', 1],
      ['CHAT_SESSION_CHECK_MS', '50', 100],
    ] as const) {
      expect(() => instanceConfig({ [name]: raw })).toThrow(
        `${name} must be an integer of at least ${least}, got "${raw}"`,
      );
    }
    expect(() => instanceConfig({ CHAT_INSTANCE_ID: 'a b' })).toThrow(
      'CHAT_INSTANCE_ID must be 1-64 characters of A-Z, a-z, 0-9, "_" or "-", got "a b"',
    );
    expect(() => instanceConfig({ PORT: '70000' })).toThrow(
      'PORT must be an integer from 0 to 65535, got "70000"',
    );
    expect(() => instanceConfig({}, { port: 'x' })).toThrow('--port must be an integer');
    expect(() => instanceConfig({ LOG_LEVEL: 'loud' })).toThrow(/^LOG_LEVEL must be one of/);
    expect(() => instanceConfig({ CHAT_HEAP: 'huge' })).toThrow(
      'CHAT_HEAP must be one of small, fast',
    );
    expect(() => instanceConfig({ CHAT_KEY_PREFIX: 'a b' })).toThrow(/^CHAT_KEY_PREFIX must not/);
    expect(() => instanceConfig({ CHAT_TRUST_PROXY: 'not an address' })).toThrow(
      /^CHAT_TRUST_PROXY must be a hop count/,
    );
    expect(() => instanceConfig({ REDIS_CLUSTER_NODES: 'nope' })).toThrow(
      /^REDIS_CLUSTER_NODES: expected host:port/,
    );
  });

  it('picks one Redis set-up and refuses two', () => {
    const target = (env: NodeJS.ProcessEnv, flags = {}): unknown =>
      redisTarget(resolveServerSettings(env, flags));
    expect(target({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' })).toEqual({
      kind: 'cluster',
      nodes: [{ host: '127.0.0.1', port: 7000 }],
    });
    expect(target({ REDIS_SENTINELS: 'h:1', REDIS_SENTINEL_NAME: 'p' })).toMatchObject({
      kind: 'sentinel',
      name: 'p',
    });
    expect(() => target({ REDIS_SENTINELS: 'h:1' })).toThrow(/needs REDIS_SENTINEL_NAME/);
    expect(() => target({ REDIS_URL: 'redis://a' }, { redisClusterNodes: 'h:1' })).toThrow(
      'set only one of REDIS_URL, REDIS_CLUSTER_NODES',
    );
  });

  it('takes credentials for a Redis Cluster and for Sentinel, and refuses them beside a URL', () => {
    const target = (env: NodeJS.ProcessEnv): unknown => redisTarget(resolveServerSettings(env, {}));
    expect(
      target({ REDIS_CLUSTER_NODES: 'h:1', REDIS_USERNAME: 'chat', REDIS_PASSWORD: 'pw' }),
    ).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'h', port: 1 }],
      auth: { username: 'chat', password: 'pw' },
    });
    expect(
      target({
        REDIS_SENTINELS: 'h:1',
        REDIS_SENTINEL_NAME: 'p',
        REDIS_PASSWORD: 'pw',
        REDIS_SENTINEL_PASSWORD: 'spw',
      }),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [{ host: 'h', port: 1 }],
      name: 'p',
      auth: { password: 'pw' },
      sentinelPassword: 'spw',
    });
    expect(() => target({ REDIS_URL: 'redis://h:1', REDIS_PASSWORD: 'pw' })).toThrow(
      'REDIS_PASSWORD go with REDIS_CLUSTER_NODES or REDIS_SENTINELS; with REDIS_URL put the user and password in the URL',
    );
    const report = configReport(
      resolveServerSettings({ REDIS_CLUSTER_NODES: 'h:1', REDIS_PASSWORD: 'hunter2' }, {}),
    );
    expect(JSON.stringify(report)).not.toMatch(/hunter2/);
  });
});

describe('chat-server config report', () => {
  it('masks secrets: the admin token and a Redis password', () => {
    expect(maskUrl('redis://user:pw@h:6379/0')).toBe('redis://user:***@h:6379/0');
    expect(maskUrl('rediss://:pw@h')).toBe('rediss://:***@h');
    expect(maskUrl('redis://pw@h')).toBe('redis://***@h');
    expect(maskUrl('redis://h:6379')).toBe('redis://h:6379');
    const report = configReport(
      resolveServerSettings(
        { CHAT_ADMIN_TOKEN: 'secret-token', CHAT_HISTORY_MAX: '9' },
        { redisUrl: 'redis://:hunter2@127.0.0.1:6390' },
      ),
    );
    const by = new Map(report.map((e) => [e.env, e]));
    expect(by.get('CHAT_ADMIN_TOKEN')).toMatchObject({ value: '***', source: 'env' });
    expect(by.get('REDIS_URL')).toMatchObject({
      value: 'redis://:***@127.0.0.1:6390',
      source: 'flag',
    });
    expect(by.get('CHAT_HISTORY_MAX')).toMatchObject({ value: 9, source: 'env' });
    expect(by.get('CHAT_DRAIN_GRACE_MS')).toMatchObject({ value: 8000, source: 'default' });
    expect(JSON.stringify(report)).not.toMatch(/secret-token|hunter2/);
  });
});

describe('every setting is defined once', () => {
  it('every variable read in src/ has a definition, and no two definitions share one', () => {
    const defined = [...Object.values(SERVER_SETTINGS), ...Object.values(SHARED_SETTINGS)]
      .map((s) => s.env)
      .filter((e): e is string => e !== undefined);
    const unique = new Set(defined);
    // stateDir, xdgStateHome and adminToken are the same objects in both lists.
    expect(unique.size).toBe(
      new Set([...Object.values(SERVER_SETTINGS), ...Object.values(SHARED_SETTINGS)]).size - 1,
    );
    const read = new Set<string>();
    for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
      const text = readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
      for (const m of text.matchAll(
        /\benv(?:\.([A-Z][A-Z0-9_]*)|\[\s*'([A-Z][A-Z0-9_]*)'\s*\])/g,
      )) {
        read.add((m[1] ?? m[2])!);
      }
    }
    expect(read.size).toBeGreaterThan(3);
    expect([...read].filter((name) => !unique.has(name))).toEqual([]);
  });
});
