import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { login } from '../../src/client/api.js';
import { ChatClient } from '../../src/client/chat-client.js';
import type { Result, SendResult } from '../../src/protocol/index.js';
import { TestInstance, connectUser, until } from '../helpers/cluster.js';
import { SERVER_MAIN, exited, freePort, killAll, tmpDir, track } from '../helpers/processes.js';
import { connected, rawSocket } from '../helpers/raw.js';
import { ChaosCluster, ChatLoad, record } from './harness.js';

let cluster: ChaosCluster;
const closers: (() => void)[] = [];
const CMD = 'npx vitest run -c vitest.chaos.config.ts test/chaos/clients.test.ts';

beforeAll(async () => {
  cluster = await ChaosCluster.start(3, { CHAT_SLOW_CONSUMER_MAX_PACKETS: '500' });
});
afterAll(async () => {
  cluster.stop();
  for (const c of closers) c();
  await killAll();
});

/** A client that speaks Engine.IO/Socket.IO by hand over `ws`, so it can stop reading. */
async function rawWsClient(url: string, token: string, room: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  closers.push(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('0{')) ws.send(`40${JSON.stringify({ token })}`);
      else if (text.startsWith('40')) ws.send(`420["room:join",${JSON.stringify({ room })}]`);
      else if (text.startsWith('430')) resolve();
      else if (text === '2') ws.send('3');
    });
  });
  return ws;
}

describe('chaos: hostile and unlucky clients', () => {
  it('7. a consumer that stops reading is cut off; memory stays bounded; others unaffected', async () => {
    const url = cluster.urls[0]!;
    const { token } = await login(url, 'slowpoke', 'password-1');
    const slow = await rawWsClient(url, token, 'slow');
    const closed = new Promise<number>((resolve) =>
      slow.once('close', (code: number) => resolve(code)),
    );
    const { client: sender } = await connectUser([url]);
    // The reader keeps the whole run in memory (a client's window is 1000 by default).
    const { client: reader } = await connectUser([cluster.urls[1]!], { roomWindow: 100_000 });
    closers.push(
      () => sender.close(),
      () => reader.close(),
    );
    await sender.join('slow');
    await reader.join('slow');
    const rssBefore = await cluster.maxRssBytes();
    slow.pause(); // stop reading: the kernel buffers fill, then the server's
    const text = '€'.repeat(1900); // about 5.7 KB on the wire
    let sent = 0;
    const cutOff = cluster.nodes[0]!.log.wait((l) => l.msg === 'slow consumer cut off', 60_000);
    let done = false;
    void cutOff.then(() => (done = true));
    while (!done && sent < 20_000) {
      await Promise.all(Array.from({ length: 50 }, () => sender.send('slow', text)));
      sent += 50;
    }
    const line = await cutOff;
    slow.resume();
    await closed;
    const rssAfter = await cluster.maxRssBytes();
    await until(
      reader,
      () => reader.rooms.get('slow')!.messages.length === sent,
      30_000,
      'the reader got everything',
    );
    record({
      id: 7,
      scenario: 'a slow consumer stops reading while its room gets ~5.7 KB messages',
      expected:
        'its unsent packets are capped (CHAT_SLOW_CONSUMER_MAX_PACKETS); its transport is closed (it may reconnect and resume); others get everything',
      figures: {
        messagesUntilCut: sent,
        pendingPacketsAtCut: Number(line.pending),
        serverRssBeforeMB: Math.round(rssBefore / 2 ** 20),
        serverRssAfterMB: Math.round(rssAfter / 2 ** 20),
        otherReaderLost: sent - reader.rooms.get('slow')!.messages.length,
      },
      command: `${CMD} -t "7\\."`,
    });
    expect(rssAfter - rssBefore).toBeLessThan(150 * 2 ** 20);
  });

  it('15. reconnect storm: 2000 clients lose their instance at once and all come back', async () => {
    const [a, b, c] = cluster.urls as [string, string, string];
    const tokens = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        login(b, `storm${i}`, 'password-1').then((r) => r.token),
      ),
    );
    const clients: ChatClient[] = [];
    for (let start = 0; start < 2000; start += 250) {
      const batch = Array.from(
        { length: 250 },
        (_, k) =>
          new ChatClient({
            servers: [a, b, c],
            token: tokens[(start + k) % 15]!,
            pingEveryMs: 0,
            backoffMinMs: 1000,
          }),
      );
      await Promise.all(batch.map((cl) => cl.connect()));
      clients.push(...batch);
    }
    closers.push(() => clients.forEach((cl) => cl.close()));
    await Promise.all(clients.map((cl, i) => cl.join(`storm-${i % 10}`)));
    const times: number[] = [];
    const t0 = performance.now();
    const back = clients.map(
      (cl) =>
        new Promise<void>((resolve) => {
          const off = cl.on('state', (s) => {
            if (s.kind === 'connected' && s.instanceId !== 'chat-1') {
              times.push(performance.now() - t0);
              off();
              resolve();
            }
          });
        }),
    );
    const victim = cluster.nodes[0]!;
    const oldBoot = victim.bootId;
    await victim.kill('SIGKILL');
    await Promise.all(back);
    times.sort((x, y) => x - y);
    const p = (q: number) => Math.round(times[Math.ceil(q * times.length) - 1]!);
    await cluster.replaced(victim, oldBoot);
    record({
      id: 15,
      scenario: 'reconnect storm: 2000 clients on one instance, SIGKILLed',
      expected: 'every client reconnects to the survivors (jittered backoff spreads the herd)',
      figures: {
        clients: clients.length,
        reconnected: times.length,
        reconnectP50Ms: p(0.5),
        reconnectP99Ms: p(0.99),
        reconnectMaxMs: p(1),
      },
      command: `${CMD} -t "15\\."`,
    });
    expect(times.length).toBe(2000);
    clients.forEach((cl) => cl.close());
  });

  it('16. a client away longer than the history keeps is told what it missed, as a gap', async () => {
    const small = await new TestInstance('chat-small', await freePort(), {
      REDIS_URL: cluster.redis.url,
      CHAT_HISTORY_MAX: '20',
    }).start();
    const other = await new TestInstance('chat-small2', await freePort(), {
      REDIS_URL: cluster.redis.url,
      CHAT_HISTORY_MAX: '20',
    }).start();
    const { client: away } = await connectUser([small.url]);
    const { client: talker } = await connectUser([other.url]);
    closers.push(
      () => away.close(),
      () => talker.close(),
    );
    await away.join('away');
    await talker.join('away');
    for (let i = 0; i < 5; i++) await talker.send('away', `early ${i}`);
    await until(
      away,
      () => away.rooms.get('away')!.messages.length === 5,
      10_000,
      'early messages',
    );
    const gaps: number[] = [];
    away.on('gap', (_room, gap) => gaps.push(gap.missing));
    await small.kill('SIGKILL');
    for (let i = 0; i < 50; i++) await talker.send('away', `while away ${i}`);
    await small.start();
    await until(
      away,
      () => away.connected && away.rooms.get('away')!.messages.length === 25,
      30_000,
      'resume after the long absence',
    );
    const lines = away.rooms.get('away')!.lines();
    const gapLine = lines.find((l) => l.kind === 'gap');
    record({
      id: 16,
      scenario: 'a client away while 50 messages were sent to a room that keeps 20',
      expected:
        'the server says truncated; the client shows a gap of exactly the 30 it cannot get, then the 20 kept',
      figures: {
        sentWhileAway: 50,
        historyKept: 20,
        gapShown: gaps[0] ?? 0,
        messagesShown: away.rooms.get('away')!.messages.length,
      },
      command: `${CMD} -t "16\\."`,
    });
    expect(gaps).toEqual([30]);
    expect(gapLine?.kind === 'gap' && gapLine.gap.missing).toBe(30);
    await small.kill('SIGKILL');
    await other.kill('SIGKILL');
  });

  it('17. the same send retried through two instances is stored once', async () => {
    const { token } = await login(cluster.urls[0]!, 'twice', 'password-1');
    const s1 = await connected(rawSocket(cluster.urls[0]!, { token }));
    const s2 = await connected(rawSocket(cluster.urls[2]!, { token }));
    closers.push(
      () => s1.close(),
      () => s2.close(),
    );
    const join = (s: typeof s1) => new Promise((r) => s.emit('room:join', { room: 'twice' }, r));
    await Promise.all([join(s1), join(s2)]);
    const send = (s: typeof s1) =>
      new Promise<Result<SendResult>>((r) =>
        s.emit(
          'message:send',
          { room: 'twice', text: 'once only', clientMsgId: 'retry-me-0001' },
          r,
        ),
      );
    const answers = await Promise.all([send(s1), send(s2), send(s1), send(s2)]);
    const ids = new Set(answers.map((a) => (a.ok ? a.data.id : 'failed')));
    const dupes = answers.filter((a) => a.ok && a.data.duplicate).length;
    const r = cluster.redis.client();
    const stored = await r.xlen('chat:room:{twice}:log');
    r.disconnect();
    record({
      id: 17,
      scenario: 'the same message (same client id) sent 4 times through two instances at once',
      expected: 'stored once; every ack carries the same id; the repeats are flagged duplicate',
      figures: { sends: 4, distinctIds: ids.size, flaggedDuplicate: dupes, storedEntries: stored },
      command: `${CMD} -t "17\\."`,
    });
    expect(ids.size).toBe(1);
    expect(dupes).toBe(3);
    expect(stored).toBe(1);
  });

  it('19. an instance that crashes at start is restarted with backoff, not in a hot loop', async () => {
    const state = tmpDir('crash');
    // A bad setting no longer gets this far (start refuses it before anything runs), so the
    // crash is injected: a module preloaded into the supervisor, whose forked instances
    // inherit its node flags, throws in the instances only.
    const crash = path.join(state, 'crash-instances.mjs');
    writeFileSync(
      crash,
      "if (process.argv.includes('instance')) throw new Error('crash at start (test)');\n",
    );
    const sup = track(
      spawn(
        process.execPath,
        [
          '--import',
          pathToFileURL(crash).href,
          SERVER_MAIN,
          'start',
          '--port',
          String(await freePort()),
          '--instances',
          '2',
        ],
        {
          env: {
            ...process.env,
            LOG_FORMAT: 'json',
            CHAT_STATE_DIR: state,
            REDIS_URL: cluster.redis.url,
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      ),
    );
    const delays: number[] = [];
    const t0 = Date.now();
    await new Promise<void>((resolve) => {
      createInterface({ input: sup.stderr! }).on('line', (line) => {
        if (!line.includes('instance exited; restarting') || !line.includes('"chat-1"')) return;
        delays.push((JSON.parse(line) as { restartInMs: number }).restartInMs);
        if (delays.length === 4) resolve();
      });
    });
    const elapsed = Date.now() - t0;
    sup.kill('SIGTERM');
    await exited(sup);
    record({
      id: 19,
      scenario: 'an instance that crashes at start (an injected throw), under the local supervisor',
      expected:
        'restarted with exponential backoff (0.5 s doubling to 30 s), not a hot loop; the supervisor stays up',
      figures: { restartDelaysMs: delays.join(' '), firstFourCrashesWithinMs: elapsed },
      command: `${CMD} -t "19\\."`,
    });
    expect(delays).toEqual([500, 1000, 2000, 4000]);
  });
});

describe('chaos load helper stays honest', () => {
  it('detects a lost message (the invariant check can fail)', async () => {
    const load = new ChatLoad(cluster, {
      clients: 3,
      rooms: 1,
      ratePerSec: 10,
      roomPrefix: 'honest',
    });
    closers.push(() => load.close());
    await load.connect();
    // A message stored behind the clients' backs, with no publish, is one they never got.
    const r = cluster.redis.client();
    await r.xadd(
      'chat:room:{honest-0}:log',
      '*',
      'seq',
      '999',
      'from',
      'x',
      'text',
      'sneaky',
      'kind',
      'text',
      'cmid',
      '',
    );
    r.disconnect();
    const v = await load.verify(1000);
    expect(v.lost).toBe(3);
    load.close();
  });
});
