import { afterAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '../admin/local-cluster.js';
import { Balancer, INSTANCE_IDS, type BalancerKind } from '../deploy/balancer.js';
import { TestInstance } from '../helpers/cluster.js';
import { forgedLogins, loginStatus } from '../helpers/forged-login.js';
import { freePort, killAll } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';
import { needs } from '../helpers/tools.js';
import { record } from './harness.js';

const CMD = 'npx vitest run -c vitest.chaos.config.ts test/chaos/forwarded.test.ts';
/** Production's logins per address per minute. */
const LIMIT = 60;
const stops: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const s of stops) await s();
  await killAll();
});

/** Logins with a forged header from one address: how many got past the per-address limit. */
async function attempt(url: string, from: string, user: string) {
  const statuses = await forgedLogins(url, from, LIMIT + 10, user);
  const honest = await loginStatus(url, { from: '127.0.0.200', username: `${user}-honest` });
  return { allowed: statuses.filter((s) => s !== 429).length, honest };
}

describe('chaos: forged X-Forwarded-For', needs('nginx', 'haproxy'), () => {
  it('42. 70 logins from one address, each with a different forged X-Forwarded-For, through nginx, HAProxy and chat-server start', async () => {
    const redis = await TestRedis.start();
    const figures: Record<string, number> = {};
    let from = 2;
    for (const kind of ['nginx', 'haproxy'] as BalancerKind[]) {
      const node = await new TestInstance(`chat-1`, await freePort(), {
        REDIS_URL: redis.url,
        CHAT_KEY_PREFIX: `xff-${kind}:`,
        CHAT_TRUST_PROXY: '1',
        CHAT_LOGIN_PER_IP_PER_MIN: String(LIMIT),
      }).start();
      const lb = await Balancer.start(
        kind,
        INSTANCE_IDS.map(() => node.port),
      );
      stops.push(() => lb.stop());
      const r = await attempt(lb.url, `127.0.0.${from++}`, `forger-${kind}`);
      figures[`${kind}Allowed`] = r.allowed;
      figures[`${kind}HonestStatus`] = r.honest;
    }
    const local = await LocalCluster.start(3, { CHAT_LOGIN_PER_IP_PER_MIN: String(LIMIT) });
    stops.push(() => local.stop());
    const r = await attempt(local.url, `127.0.0.${from++}`, 'forger-local');
    figures.localClusterAllowed = r.allowed;
    figures.localClusterHonestStatus = r.honest;
    record({
      id: 42,
      scenario: `${LIMIT + 10} logins from one address, each with a different forged X-Forwarded-For, through nginx and HAProxy (deploy/ configs, CHAT_TRUST_PROXY=1) and the public port of \`chat-server start\``,
      expected: `no more than ${LIMIT} get past the per-address limit (the balancers set the header, the instance takes the right-most untrusted entry); another address still logs in`,
      figures,
      command: CMD,
    });
    for (const kind of ['nginx', 'haproxy', 'localCluster']) {
      expect(figures[`${kind}Allowed`], kind).toBe(LIMIT);
      expect(figures[`${kind}HonestStatus`], kind).toBe(200);
    }
  });
});
