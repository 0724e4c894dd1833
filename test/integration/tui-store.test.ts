import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, type ChatClientOptions } from '../../src/client/chat-client.js';
import { login } from '../../src/client/api.js';
import { ChatStore, type ChatStoreOptions } from '../../src/cli/tui/state/chat-store.js';
import type { Entry } from '../../src/cli/tui/state/entries.js';
import { compareIds } from '../../src/protocol/index.js';
import { OUTAGE_MIN_MS } from '../../src/client/connection.js';
import { offsetOf, paneLayout, visibleWindow } from '../../src/cli/tui/state/pane-layout.js';
import {
  connectUser,
  startInstances,
  until,
  userName,
  type TestInstance,
} from '../helpers/cluster.js';
import { killAll } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let nodes: TestInstance[];
const closers: (() => void)[] = [];

/** A chat store over a real client of `me` (not connected yet), closed after the tests. */
function storeOf(
  me: string,
  opts: ChatClientOptions,
  storeOpts: ChatStoreOptions = {},
): { client: ChatClient; store: ChatStore } {
  const client = new ChatClient(opts);
  const store = new ChatStore(client, { user: me, tickMs: 0, ...storeOpts });
  closers.push(() => {
    store.dispose();
    client.close();
  });
  return { client, store };
}

beforeAll(async () => {
  redis = await TestRedis.start();
  nodes = await startInstances(3, redis.url);
});

afterAll(async () => {
  for (const c of closers) c();
  await killAll();
});

/**
 * Two instances of a cluster of their own (keys under `name:`); bob on the second, connected; a
 * store of a new user on the first (the second next in its list), not connected yet.
 */
async function homeAndAway(
  name: string,
  opts: Partial<ChatClientOptions> = {},
  storeOpts: ChatStoreOptions = {},
) {
  const [home, other] = (await startInstances(2, redis.url, { CHAT_KEY_PREFIX: `${name}:` })) as [
    TestInstance,
    TestInstance,
  ];
  const { client: bob, user: bobName } = await connectUser([other.url]);
  closers.push(() => bob.close());
  const me = userName(name);
  const { token } = await login(home.url, me, 'password-1');
  const { client, store } = storeOf(
    me,
    {
      servers: [home.url, other.url],
      token,
      pingEveryMs: 0,
      ...opts,
    },
    storeOpts,
  );
  return { home, other, bob, bobName, me, client, store };
}

/** Resolves once `pred` holds when the store tells its view to draw again (or holds now). */
function storeUntil(store: ChatStore, pred: () => boolean, what: string): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, 10_000);
    const off = store.subscribe(() => {
      if (!pred()) return;
      clearTimeout(t);
      off();
      resolve();
    });
  });
}

type MessageEntry = Extract<Entry, { kind: 'message' }>;
const messages = (store: ChatStore): MessageEntry[] =>
  store.getSnapshot().entries.filter((e): e is MessageEntry => e.kind === 'message');

describe('the TUI state layer on a real cluster', () => {
  it('after its instance is SIGKILLed mid-conversation it holds every message once, in id order', async () => {
    const [a, b, c] = nodes.map((n) => n.url) as [string, string, string];
    const { client: sender } = await connectUser([a]);
    closers.push(() => sender.close());
    const me = userName('tui');
    const { token } = await login(b, me, 'password-1');
    // The victim starts on chat-2; reconnects rotate to chat-3, then chat-1.
    const { client, store } = storeOf(me, { servers: [b, c, a], token, pingEveryMs: 0 });
    await client.connect();
    await store.start(['kill-room']);
    await sender.join('kill-room');
    expect(store.getSnapshot().instanceId).toBe('chat-2');
    expect(store.getSnapshot().active).toBe('kill-room');

    const total = 120;
    const mine: string[] = [];
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      sends.push(sender.send('kill-room', `m${i}`));
      if (i % 15 === 7) {
        // The TUI user talks too: typed lines go through the store like Enter does.
        mine.push(`me${i}`);
        sends.push(store.submit(`me${i}`));
      }
      if (i === 40) {
        await until(client, () => messages(store).length >= 20, 10_000, 'messages before the kill');
        await nodes[1]!.kill('SIGKILL');
      }
      if (i % 10 === 0) await Promise.all(sends.splice(0));
    }
    await Promise.all(sends);

    const expected = total + mine.length;
    await until(
      client,
      () =>
        messages(store).length === expected &&
        // Each one held by the room (an acked send shows before its broadcast arrives).
        messages(store).every((m) => m.mark === undefined && !m.key.startsWith('out:')),
      30_000,
      'every message on screen, held by the room',
    );
    await client.settled();

    const shown = messages(store);
    // Exactly the messages sent, each once...
    const texts = shown.map((m) => m.text);
    expect(new Set(texts).size).toBe(expected);
    expect(texts.filter((t) => /^m\d+$/.test(t))).toEqual(
      Array.from({ length: total }, (_, i) => `m${i}`),
    );
    expect(texts.filter((t) => t.startsWith('me')).sort()).toEqual([...mine].sort());
    // ...drawn in id order, and the same ids the sender's client holds.
    const ids = shown.map((m) => m.key);
    expect([...ids].sort(compareIds)).toEqual(ids);
    await until(sender, () => sender.rooms.get('kill-room')!.messages.length === expected);
    expect(ids).toEqual(sender.rooms.get('kill-room')!.messages.map((m) => m.id));

    // The header and the room say what happened.
    const snap = store.getSnapshot();
    expect(snap.label.text).toBe('connected');
    expect(snap.instanceId).not.toBe('chat-2');
    expect(client.reconnects).toBe(1);
    expect(snap.status).toMatch(
      /^chat-2 went away; reconnected to chat-[13]; \d+ missed messages? recovered$/,
    );
    expect(snap.entries.filter((e) => e.kind === 'local' && e.text === snap.status)).toHaveLength(
      1,
    );
  });

  it('moves calmly when its instance drains (SIGTERM) and says so', async () => {
    const [a, , c] = nodes.map((n) => n.url) as [string, string, string];
    const me = userName('drain');
    const { token } = await login(c, me, 'password-1');
    const { client, store } = storeOf(me, { servers: [c, a], token, pingEveryMs: 0 });
    const labels: string[] = [];
    // The store hears each state first; what would the header say right then?
    client.on('state', () => {
      const { text, why } = store.getSnapshot().label;
      labels.push(why ? `${text} (${why})` : text);
    });
    await client.connect();
    await store.start(['drain-room']);
    expect(store.getSnapshot().instanceId).toBe('chat-3');

    await nodes[2]!.kill('SIGTERM');
    await until(
      client,
      () => store.getSnapshot().status !== undefined,
      15_000,
      'the status line after the move',
    );
    expect(store.getSnapshot().status).toMatch(
      /^chat-3 is shutting down; moved to chat-1; 0 missed messages recovered$/,
    );
    expect(
      labels.some((l) =>
        new RegExp(
          `^reconnecting, attempt 1 in .* \\(chat-3 is shutting down; trying ${new URL(a).host} next\\)$`,
        ).test(l),
      ),
    ).toBe(true);
    expect(store.getSnapshot().instanceId).toBe('chat-1');
  });

  it('its only instance drains and comes back: the status line says it is back on it, restarted', async () => {
    // A cluster of its own: one instance, which the client has nowhere else to go from.
    const [only] = (await startInstances(1, redis.url, { CHAT_KEY_PREFIX: 'back:' })) as [
      TestInstance,
    ];
    const me = userName('back');
    const { token } = await login(only.url, me, 'password-1');
    const { client, store } = storeOf(me, { servers: [only.url], token, pingEveryMs: 0 });
    await client.connect();
    await store.start(['back-room']);
    const firstBoot = only.bootId;
    await only.kill('SIGTERM');
    await until(client, () => client.state.kind === 'reconnecting', 15_000, 'the drain');
    // The same id on the same port, a new boot: what a supervisor's restart looks like.
    await only.start();
    expect(only.bootId).not.toBe(firstBoot);
    await until(
      client,
      () => store.getSnapshot().status !== undefined,
      15_000,
      'the status line after the restart',
    );
    // While it restarted no server answered: under OUTAGE_MIN_MS that is the restart's blip.
    expect(store.getSnapshot().status).toMatch(
      /^(chat-1 is shutting down|server unreachable for \d+ s); back on chat-1 \(restarted\); 0 missed messages recovered$/,
    );
    expect(store.getSnapshot().instanceId).toBe('chat-1');
  });

  it('shows history the server no longer has as a gap, with everything after it in order', async () => {
    // A cluster of its own that keeps only 20 messages per room.
    const [kept, other] = await startInstances(2, redis.url, {
      CHAT_KEY_PREFIX: 'gap:',
      CHAT_HISTORY_MAX: '20',
    });
    const { client: sender } = await connectUser([other!.url]);
    closers.push(() => sender.close());
    const me = userName('gap');
    const { token } = await login(kept!.url, me, 'password-1');
    // Only one server: while it is down the client cannot be anywhere.
    const { client, store } = storeOf(me, {
      servers: [kept!.url],
      token,
      pingEveryMs: 0,
      backoffMaxMs: 500,
    });
    await client.connect();
    await store.start(['trimmed']);
    await sender.join('trimmed');
    for (let i = 0; i < 5; i++) await sender.send('trimmed', `before ${i}`);
    await until(client, () => messages(store).length === 5, 10_000, 'the first five');

    await kept!.kill('SIGKILL');
    await until(client, () => client.state.kind === 'reconnecting', 10_000, 'reconnecting');
    for (let i = 0; i < 50; i++) await sender.send('trimmed', `away ${i}`);
    await kept!.start();

    await until(client, () => store.getSnapshot().status !== undefined, 20_000, 'the reconnect');
    expect(store.getSnapshot().status).toMatch(
      /^(chat-1 went away; reconnected to|server unreachable for \d+ s; back on) chat-1 \(restarted\);/,
    );
    await client.settled();
    const entries = store.getSnapshot().entries.filter((e) => e.kind !== 'day');
    const gapAt = entries.findIndex((e) => e.kind === 'gap');
    expect(entries[gapAt]).toMatchObject({ kind: 'gap', missing: 30 });
    const texts = (list: Entry[]): string[] =>
      list.flatMap((e) => (e.kind === 'message' ? [e.text] : []));
    expect(texts(entries.slice(0, gapAt))).toEqual([0, 1, 2, 3, 4].map((i) => `before ${i}`));
    expect(texts(entries.slice(gapAt))).toEqual(
      Array.from({ length: 20 }, (_, i) => `away ${i + 30}`),
    );
  });

  it('after a whole-cluster outage the status line says no server was reachable, and how long', async () => {
    const [x, y] = (await startInstances(2, redis.url, { CHAT_KEY_PREFIX: 'outage:' })) as [
      TestInstance,
      TestInstance,
    ];
    const me = userName('outage');
    const { token } = await login(x.url, me, 'password-1');
    const { client, store } = storeOf(me, {
      servers: [x.url, y.url],
      token,
      pingEveryMs: 0,
      backoffMaxMs: 500,
    });
    const whys: string[] = [];
    // What the header says at once: the server it names, and why the connection is down.
    client.on('state', () => {
      const snap = store.getSnapshot();
      whys.push(`${snap.server.replace('http://', '')} ${snap.label.why ?? ''}`);
    });
    await client.connect();
    await store.start(['outage-room']);
    expect(store.getSnapshot().instanceId).toBe('chat-1');
    // chat-1 drains (as in the issue: "chat-1 is shutting down") while chat-2 is already gone.
    await y.kill('SIGKILL');
    const down = Date.now();
    await x.kill('SIGTERM');
    // Down long enough to be an outage, counted by the client's failed attempts.
    await until(
      client,
      () => client.state.kind === 'reconnecting' && client.state.attempt >= 4,
      15_000,
      'attempts failing',
    );
    // An outage is a matter of time: it lasts at least OUTAGE_MIN_MS and a second.
    const left = OUTAGE_MIN_MS + 1000 - (Date.now() - down);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    const upAt = Date.now();
    await y.start();
    await until(client, () => store.getSnapshot().status !== undefined, 15_000, 'the rejoin');
    const back = Date.now();
    const status = store.getSnapshot().status ?? '';
    // While down, the header said why: the instance went, and nothing listened where it tried;
    // the server it named is the one tried next, which the reason names as such.
    const [hx, hy] = [x, y].map((t) => `127.0.0.1:${t.port}`);
    for (const [at, failed] of [
      [hy, hx],
      [hx, hy],
    ]) {
      expect(whys).toContain(
        `${at} chat-1 is shutting down; nothing listens at ${failed}; trying ${at} next`,
      );
    }
    expect(whys.filter((w) => w.includes('nothing listens') && !w.includes('next'))).toEqual([]);
    const said = /^no server reachable for (\d+) s; back on chat-2; 0 missed messages recovered$/;
    expect(status).toMatch(said);
    const seconds = Number(said.exec(status)![1]);
    expect(seconds * 1000).toBeGreaterThanOrEqual(upAt - down - 1000);
    expect(seconds * 1000).toBeLessThanOrEqual(back - down + 1000);
  });

  it('counts what it missed while its instance was gone as unread, on the tabs not in view', async () => {
    const { home, other, bob, bobName, me, client, store } = await homeAndAway(
      'missed',
      { openDirects: true },
      { notify: 'osc777' },
    );
    let bells = 0;
    const notes: string[] = [];
    store.onBell = () => bells++;
    store.onNotify = (sequence) => notes.push(sequence);
    await client.connect();
    await store.start(['front', 'back', 'side']);
    expect(store.getSnapshot().active).toBe('front');
    await bob.join('back');
    await bob.join('front');
    await bob.join('side');
    await bob.send('back', 'heard live');
    await bob.join(`@${me}`);
    await bob.send(`@${me}`, 'a first word');
    const tab = (name: string) => store.getSnapshot().tabs.find((t) => t.name === name);
    await until(
      client,
      () => tab('back')?.unread === 1 && tab(`@${bobName}`)?.unread === 1,
      10_000,
      'the live ones counted',
    );
    // What the user writes on another terminal is not news to them.
    const { client: mine } = await connectUser([other.url], { user: me });
    closers.push(() => mine.close());
    await mine.join('back');
    await mine.join('side');
    await mine.send('back', 'from my other terminal');
    await until(
      client,
      () => client.rooms.get('back')!.messages.some((m) => m.text === 'from my other terminal'),
      10_000,
      'my own message',
    );
    expect(tab('back')?.unread).toBe(1);
    expect(bells).toBe(1); // the DM

    // Its instance stops answering (the connection stays up): nothing reaches the client live.
    process.kill(home.pid, 'SIGSTOP');
    await bob.send('back', 'missed 1');
    await bob.send('back', `missed 2, ${me}?`);
    await bob.send('front', 'missed in view');
    await bob.send(`@${me}`, 'a missed word');
    // Meanwhile the user reads part of one room on their other terminal: that much is read.
    const readThere = await bob.send('side', 'read on the other terminal');
    await bob.send('side', 'not read anywhere');
    await mine.markRead('side', readThere.id!);
    // Then it dies: the client moves to the other instance and resumes every room.
    await home.kill('SIGKILL');
    await until(client, () => store.getSnapshot().status !== undefined, 20_000, 'the resume');
    expect(store.getSnapshot().status).toMatch(/; 6 missed messages recovered$/);
    await client.settled();

    const snap = store.getSnapshot();
    expect(tab('back')).toMatchObject({ unread: 3, mentions: 1 });
    expect(tab(`@${bobName}`)?.unread).toBe(2);
    expect(tab('side')?.unread).toBe(1);
    // The room in view has read what came back.
    expect(tab('front')?.unread).toBe(0);
    expect(messages(store).map((m) => m.text)).toContain('missed in view');
    expect(snap.active).toBe('front');
    // What came back rang once, when all of it had: one bell, one notification for the
    // mention and the DM.
    await storeUntil(store, () => bells === 2, 'the ring for what came back');
    expect(notes).toEqual([
      `\x1b]777;notify;chat-tui: ${bobName} (direct);a first word\x07`,
      `\x1b]777;notify;chat-tui: 2 messages for you;${bobName} in #back: 1, ${bobName} (direct): 1\x07`,
    ]);
  });

  it('after a jump to an old message, scrolling loads what lies between it and the newest, from either side', async () => {
    const [only] = (await startInstances(1, redis.url, { CHAT_KEY_PREFIX: 'jump:' })) as [
      TestInstance,
    ];
    const { client: sender } = await connectUser([only.url]);
    closers.push(() => sender.close());
    await sender.join('deep');
    const ids: string[] = [];
    const text = (i: number): string => `n${String(i).padStart(2, '0')}`;
    for (let i = 1; i <= 90; i++) ids.push((await sender.send('deep', text(i))).id!);
    const all = Array.from({ length: 90 }, (_, i) => text(i + 1));
    const [width, height] = [80, 10];

    /** A reader who opens the room (its newest 50) and jumps to the fifth message. */
    const jumped = async () => {
      const me = userName('jumper');
      const { token } = await login(only.url, me, 'password-1');
      const { client, store } = storeOf(me, { servers: [only.url], token, pingEveryMs: 0 });
      await client.connect();
      await store.start(['deep']);
      const room = client.rooms.get('deep')!;
      expect(room.messages.map((m) => m.text)).toEqual(all.slice(40));
      expect(await client.loadAround('deep', ids[4]!)).toBe(true);
      await store.jumpTo('deep', ids[4]);
      // Held: 25 each side of it (the first 30), and the newest 50; between them 10 not loaded.
      expect(room.gaps).toEqual([{ afterSeq: 30, missing: 10, unloaded: true }]);
      const entries = () => store.getSnapshot().entries;
      /** Scrolls by pages until the place not loaded is in view; the scroll that shows it loads it. */
      const scrollTo = (pages: 1 | -1): void => {
        for (let i = 0; i < 40; i++) {
          const layout = paneLayout(entries(), width);
          store.scroll(pages, layout, height);
          const after = paneLayout(entries(), width);
          const { from, to } = visibleWindow(
            after,
            offsetOf(store.getSnapshot().scroll, after, height),
            height,
          );
          if (after.keys.slice(from, to).some((k) => k.startsWith('unloaded:'))) return;
        }
        throw new Error('the place not loaded never came into view');
      };
      return { client, store, room, entries, scrollTo };
    };

    // Down from the hit: the place is read on from its older side, a page at a time.
    const down = await jumped();
    down.scrollTo(-1);
    // Filled, and the first one loaded put at the bottom of the view (the next page down goes
    // through them), before the screen is drawn again.
    await storeUntil(
      down.store,
      () => down.room.gaps.length === 0 && down.store.getSnapshot().scroll?.key === ids[30],
      'the place filled, the view at its first message',
    );
    expect(down.room.messages.map((m) => m.text)).toEqual(all);
    expect(down.entries().some((e) => e.kind === 'gap')).toBe(false);

    // Up from the newest: read back from its newer side.
    const up = await jumped();
    up.store.scrollToEnd();
    up.scrollTo(1);
    await until(up.client, () => up.room.gaps.length === 0, 10_000, 'the place filled');
    expect(up.room.messages.map((m) => m.text)).toEqual(all);

    // A tall pane shows the mark at once (the hit is near the room's top); one page down goes
    // past it, and what it stood for is loaded all the same, the view going on there.
    const tall = await jumped();
    const tallHeight = 40;
    const before = paneLayout(tall.entries(), width);
    const shown = visibleWindow(
      before,
      offsetOf(tall.store.getSnapshot().scroll, before, tallHeight),
      tallHeight,
    );
    expect(before.keys.slice(shown.from, shown.to)).toContain('unloaded:30');
    tall.store.scroll(-1, before, tallHeight);
    await storeUntil(
      tall.store,
      () => tall.room.gaps.length === 0 && tall.store.getSnapshot().scroll?.key === ids[30],
      'the place passed over filled, the view at its first message',
    );
    expect(tall.room.messages.map((m) => m.text)).toEqual(all);
  });

  it('a typing notice heard before its instance died is not replayed after the rejoin', async () => {
    const { home, bob, bobName, client, store } = await homeAndAway('typing');
    await client.connect();
    await store.start(['typing-room']);
    await bob.join('typing-room');
    await bob.setTyping('typing-room', true);
    await until(client, () => store.getSnapshot().typing.includes(bobName), 10_000, 'bob typing');
    // Bob stops while this client's instance is gone: it cannot hear him stop.
    await home.kill('SIGKILL');
    await bob.setTyping('typing-room', false);
    await until(client, () => store.getSnapshot().status !== undefined, 15_000, 'the rejoin');
    await client.settled();
    expect(store.getSnapshot().label.text).toBe('connected');
    expect(store.getSnapshot().typing).toEqual([]);
  });
});
