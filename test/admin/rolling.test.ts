import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChatClient } from '../../src/client/chat-client.js';
import type { OutgoingMessage } from '../../src/client/types.js';
import type { StatusDocument } from '../../src/admin/status-document.js';
import type { RestartOutcome } from '../../src/admin/restart.js';
import { connectUser, until } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';
import { killAll } from '../helpers/processes.js';
import { LocalCluster } from './local-cluster.js';
import { runAdmin } from './run-admin.js';

const CLIENTS = 50;
const ROOMS = 5;
/** One send every this many ms, round robin over the clients: 25 messages per second. */
const SEND_EVERY_MS = 40;

let cluster: LocalCluster;
const clients: { client: ChatClient; user: string; room: string }[] = [];

beforeAll(async () => {
  cluster = await LocalCluster.start(3);
  for (let batch = 0; batch < CLIENTS; batch += 10) {
    const made = await Promise.all(
      Array.from({ length: Math.min(10, CLIENTS - batch) }, async (_, k) => {
        const i = batch + k;
        const room = `roll-${i % ROOMS}`;
        const { client, user } = await connectUser([cluster.url], {
          backoffMinMs: 100,
          backoffMaxMs: 1000,
          // Other suites may share these two cores: give acks room before calling them lost.
          ackTimeoutMs: 15_000,
        });
        await client.join(room);
        return { client, user, room };
      }),
    );
    clients.push(...made);
  }
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.client.close();
  await cluster?.stop();
  await killAll();
});

/** The cluster env the admin needs: its state dir, where the token file is. */
const adminEnv = (): Record<string, string> => ({ CHAT_STATE_DIR: cluster.stateDir });

async function status(): Promise<StatusDocument> {
  const r = await runAdmin(['--server', cluster.url, 'status', '--json'], adminEnv());
  if (r.code !== 0) throw new Error(`status exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusDocument;
}

/**
 * Counts the chatter's sends acknowledged on their first try, so a test can wait for chat to
 * be under way (`more(n)`: n more acknowledged) instead of sleeping while it happens.
 */
function ackCounter(): {
  onSent(out: OutgoingMessage): void;
  more(n: number, what: string): Promise<void>;
} {
  let count = 0;
  let waiter: { target: number; resolve: () => void } | undefined;
  return {
    onSent(out) {
      if (out.state !== 'sent') return;
      count++;
      if (waiter && count >= waiter.target) waiter.resolve();
    },
    async more(n, what) {
      const target = count + n;
      let t: NodeJS.Timeout | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          waiter = { target, resolve };
          t = setTimeout(
            () =>
              reject(
                new Error(`${what}: ${n - (target - count)} of ${n} sends acknowledged in 30 s`),
              ),
            30_000,
          );
        });
      } finally {
        clearTimeout(t);
        waiter = undefined;
      }
    },
  };
}

it('restart --rolling while 50 clients chat: new boot ids, every message once', async () => {
  // Statuses are written once a second: wait for them to count every client.
  const before = await eventually(
    async () => {
      const s = await status();
      expect(s.totals.connections).toBe(CLIENTS);
      return s;
    },
    { what: 'every client counted' },
  );
  expect(before.instances.map((i) => i.id)).toEqual(['chat-1', 'chat-2', 'chat-3']);
  console.log(
    'spread before',
    Object.fromEntries(before.instances.map((i) => [i.id, i.connections])),
  );

  // Chat continuously: a message every SEND_EVERY_MS from the next client in turn.
  const sent: string[] = [];
  let n = 0;
  const t0 = Date.now();
  const acked = ackCounter();
  const chatter = setInterval(() => {
    const c = clients[n % CLIENTS]!;
    const text = `${c.user} #${n++}`;
    sent.push(text);
    void c.client.send(c.room, text).then((out) => acked.onSent(out));
  }, SEND_EVERY_MS);

  let restart;
  let restartMs = 0;
  try {
    // Some chat before, during and after the restart: a second's worth acknowledged before
    // it starts, and again once it is over.
    await acked.more(25, 'chat before the restart');
    const r0 = Date.now();
    restart = await runAdmin(
      ['--server', cluster.url, 'restart', '--rolling', '--timeout', '60s', '--json'],
      adminEnv(),
    );
    restartMs = Date.now() - r0;
    await acked.more(25, 'chat after the restart');
  } finally {
    clearInterval(chatter);
  }
  const chatSec = (Date.now() - t0) / 1000;
  process.stderr.write(restart.stderr);
  expect(restart.code).toBe(0);
  const outcome = JSON.parse(restart.stdout) as { restarted: RestartOutcome[] };
  expect(outcome.restarted.map((r) => r.instanceId)).toEqual(['chat-1', 'chat-2', 'chat-3']);

  // Every send is acknowledged in the end (failed ones are retried with the same id).
  for (const { client } of clients) {
    await until(
      client,
      () => [...client.outgoing.values()].every((o) => o.state === 'sent'),
      30_000,
      'every send acknowledged',
    );
  }

  // Each room's history, read by a fresh client.
  // It reads whole histories back: a window as large as any of them.
  const { client: checker } = await connectUser([cluster.url], { roomWindow: 1_000_000 });
  const history = new Map<string, string[]>();
  const historyTexts: string[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const name = `roll-${r}`;
    await checker.join(name);
    while ((await checker.loadOlder(name, 500)) > 0);
    const msgs = checker.rooms.get(name)!.messages;
    expect(msgs.map((m) => m.seq)).toEqual(msgs.map((_, i) => i + 1));
    history.set(
      name,
      msgs.map((m) => m.id),
    );
    historyTexts.push(...msgs.map((m) => m.text));
  }
  checker.close();

  // Every message sent is stored exactly once...
  expect(historyTexts.length).toBe(sent.length);
  expect(new Set(historyTexts).size).toBe(sent.length);
  expect(new Set(historyTexts)).toEqual(new Set(sent));
  // ...and every client ends with exactly its room's history, once each, in order.
  let reconnects = 0;
  for (const { client, room } of clients) {
    const want = history.get(room)!;
    await until(
      client,
      () => (client.rooms.get(room)?.messages.length ?? 0) >= want.length,
      20_000,
      `all of ${room}`,
    );
    expect(client.rooms.get(room)!.messages.map((m) => m.id)).toEqual(want);
    reconnects += client.reconnects;
  }

  // Statuses are written once a second: the checker, closed just now, may still be counted.
  const after = await eventually(
    async () => {
      const s = await status();
      expect(s.totals.connections).toBe(CLIENTS);
      return s;
    },
    { what: 'the checker no longer counted' },
  );
  for (const inst of before.instances) {
    const now = after.instances.find((i) => i.id === inst.id);
    expect(now?.state).toBe('ready');
    expect(now?.bootId).not.toBe(inst.bootId);
  }

  console.log(
    [
      `rolling restart of 3 instances took ${(restartMs / 1000).toFixed(1)} s (exit ${restart.code})`,
      ...outcome.restarted.map(
        (r) =>
          `  ${r.instanceId}: boot ${r.oldBootId} -> ${r.newBootId} in ${(r.tookMs / 1000).toFixed(1)} s, clients ${r.clientsBefore} -> ${r.clientsAfter}`,
      ),
      `${CLIENTS} clients in ${ROOMS} rooms sent ${sent.length} messages in ${chatSec.toFixed(1)} s (${(sent.length / chatSec).toFixed(1)}/s)`,
      `history holds ${historyTexts.length} (${new Set(historyTexts).size} distinct); every client has its room's full history, each once, in order`,
      `client reconnects: ${reconnects}; spread after ${JSON.stringify(Object.fromEntries(after.instances.map((i) => [i.id, i.connections])))}`,
    ].join('\n'),
  );
}, 180_000);

it('restart --all restarts every instance (never all at once) and waits for each replacement', async () => {
  const before = await status();
  const r = await runAdmin(['--server', cluster.url, 'restart', '--all', '--json'], adminEnv());
  expect(r.code).toBe(0);
  const { restarted } = JSON.parse(r.stdout) as { restarted: RestartOutcome[] };
  expect(restarted.map((x) => x.instanceId).sort()).toEqual(['chat-1', 'chat-2', 'chat-3']);
  // Statuses are written once a second: wait until each instance reports its new boot.
  const after = await eventually(
    async () => {
      const s = await status();
      for (const x of restarted) {
        expect(s.instances.find((i) => i.id === x.instanceId)?.bootId).toBe(x.newBootId);
      }
      return s;
    },
    { what: 'every instance on its new boot' },
  );
  for (const inst of before.instances) {
    const now = after.instances.find((i) => i.id === inst.id)!;
    expect(now.bootId).not.toBe(inst.bootId);
    expect(restarted.find((x) => x.instanceId === inst.id)?.newBootId).toBe(now.bootId);
  }
  // The clients all come back.
  for (const { client } of clients) await until(client, () => client.connected, 20_000, 'back');
}, 120_000);
