import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestInstance } from '../helpers/cluster.js';
import { forgedLogins, loginStatus } from '../helpers/forged-login.js';
import { freePort, killAndWait } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';
import { needs } from '../helpers/tools.js';
import { Balancer, INSTANCE_IDS, type BalancerKind } from './balancer.js';

/** Logins per address per minute on the instances behind the balancers here. */
const LIMIT = 5;

/**
 * A client that forges X-Forwarded-For through the repo's balancer config gets no more login
 * attempts than its own address allows: the instance (CHAT_TRUST_PROXY=1) takes the entry the
 * balancer wrote, and the balancer sets the header rather than append to the client's (so
 * even an instance that trusts one hop too many is not fooled).
 */
export function forwardedForSuite(kind: BalancerKind): void {
  describe(`${kind}: X-Forwarded-For from the client`, needs(kind), () => {
    let redis: TestRedis;
    const nodes: TestInstance[] = [];
    const lbs = new Map<string, Balancer>();

    beforeAll(async () => {
      redis = await TestRedis.start();
      for (const trust of ['1', '2']) {
        const node = await new TestInstance('chat-1', await freePort(), {
          REDIS_URL: redis.url,
          CHAT_KEY_PREFIX: `xff${trust}:`,
          CHAT_TRUST_PROXY: trust,
          CHAT_LOGIN_PER_IP_PER_MIN: String(LIMIT),
        }).start();
        nodes.push(node);
        // Every upstream of the config is this one instance: only logins matter here.
        lbs.set(
          trust,
          await Balancer.start(
            kind,
            INSTANCE_IDS.map(() => node.port),
          ),
        );
      }
    });

    afterAll(async () => {
      for (const lb of lbs.values()) await lb.stop();
      for (const node of nodes) await killAndWait(node.proc);
      await redis?.down();
    });

    it('a forged header gets no extra login attempts; real addresses are still told apart', async () => {
      const url = lbs.get('1')!.url;
      const statuses = await forgedLogins(url, '127.0.0.2', LIMIT + 3, `forger-${kind}`);
      expect(statuses.slice(0, LIMIT).every((s) => s !== 429)).toBe(true);
      expect(statuses.slice(LIMIT)).toEqual([429, 429, 429]);
      // Another client address behind the same balancer has its own allowance: the instance
      // counts the address the balancer saw, not the balancer's own.
      expect(await loginStatus(url, { from: '127.0.0.3', username: `honest-${kind}` })).toBe(200);
      console.info(`[${kind}] ${LIMIT + 3} logins, forged X-Forwarded-For: ${statuses.join(' ')}`);
    });

    it('the balancer sets the header: trusting two hops, the forged entry is still not used', async () => {
      const statuses = await forgedLogins(
        lbs.get('2')!.url,
        '127.0.0.4',
        LIMIT + 3,
        `over-${kind}`,
      );
      expect(statuses.slice(LIMIT)).toEqual([429, 429, 429]);
    });
  });
}
