import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { login } from '../../src/client/api.js';
import type { Result } from '../../src/protocol/index.js';
import { useCluster, userName } from '../helpers/cluster.js';
import { ROOT } from '../helpers/processes.js';
import { connected, rawSocket } from '../helpers/raw.js';
import { TmuxPanes } from '../helpers/tmux.js';
import { needs } from '../helpers/tools.js';

/**
 * Direct messages in real terminals: alice writes `/msg bob hi` in the built `chat-tui`, bob's
 * screen grows an `@alice` tab with one unread message without him doing anything, they talk,
 * bob's instance is SIGKILLed mid-conversation and neither screen loses or repeats a line;
 * carol, with a bare socket, gets nothing of it. Then `/ignore`: alice ignores dave, whose
 * messages in the room and DMs do not reach her screen, until `/unignore` shows new ones.
 */

const BIN = path.join(ROOT, 'bin/chat-tui.js');
const panes = new TmuxPanes(`chat-tui-dm-${process.pid}`, BIN);
const tmux = panes.tmux.bind(panes);
const until = panes.until.bind(panes);
const say = panes.say.bind(panes);
/** The tab bar: the line under the header and status lines that holds the numbered tabs. */
const tabBar = (s: string): string => s.split('\n').find((l) => /\b1:[#@]/.test(l)) ?? '';
const openPane = (name: string, configDir: string, servers: string[]): void =>
  panes.open(name, configDir, ['join', 'lobby', '--server', servers.join(',')]);

const cluster = useCluster(3, {}, 'single');
afterAll(() => panes.close());

describe('direct messages in tmux', needs('tmux'), () => {
  it('/msg opens a tab on the other side, the conversation survives a SIGKILL, a third user gets nothing', async () => {
    const [a, b, c] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const { name: alice, conf: aliceConf } = panes.user('alice', a);
    const { name: bob, conf: bobConf } = panes.user('bob', b);
    openPane('alice', aliceConf, [a, c]);
    openPane('bob', bobConf, [b, c]);
    for (const p of ['alice', 'bob'])
      await until(p, (s) => {
        expect(s.split('\n')[0]).toContain('● connected');
        expect(s).toContain('#lobby>');
      });
    await until('bob', (s) => expect(s.split('\n')[0]).toMatch(/chat-2 │/));

    // Alice writes to bob; she is switched to the conversation, he is not, but sees its tab.
    await say('alice', `/msg ${bob} hi bob`);
    await until('alice', (s) => {
      expect(s).toContain(`@${bob}>`);
      expect(s).toContain(`${alice}: hi bob`);
    });
    await until('bob', (s) => {
      expect(tabBar(s)).toContain(`2:@${alice} 1 (1)`);
      expect(s).toContain('#lobby>');
      expect(s).not.toContain(`${alice}: hi bob`);
    });

    // Bob goes there (Alt-2) and answers.
    tmux('send-keys', '-t', 'bob', 'M-2');
    await until('bob', (s) => {
      expect(s).toContain(`@${alice}>`);
      expect(s).toContain(`${alice}: hi bob`);
    });
    await say('bob', 'hi alice');
    await until('alice', (s) => expect(s).toContain(`${bob}: hi alice`));

    // Bob's instance dies mid-conversation; alice keeps writing while he is away.
    await cluster.nodes[1]!.kill('SIGKILL');
    await say('alice', 'are you there?');
    await say('alice', 'still writing');
    await until('bob', (s) => {
      expect(s.split('\n')[0]).toMatch(/chat-3 │ ● connected/);
      expect(s).toContain(`${alice}: still writing`);
    });
    await say('bob', 'back');

    const lines = [
      `${alice}: hi bob`,
      `${bob}: hi alice`,
      `${alice}: are you there?`,
      `${alice}: still writing`,
      `${bob}: back`,
    ];
    for (const p of ['alice', 'bob']) await panes.showsOnceInOrder(p, lines);

    // Carol, on a bare socket, asks for it every way she can name it.
    const carol = userName('carol');
    const { token } = await login(a, carol, 'carol-pw');
    const raw = await connected(rawSocket(a, { token }));
    const heard: string[] = [];
    raw.onAny((event: string, payload: unknown) =>
      heard.push(`${event} ${JSON.stringify(payload)}`),
    );
    try {
      const ask = (event: string, payload: unknown): Promise<Result<unknown>> =>
        new Promise((resolve) =>
          (raw.emit.bind(raw) as (ev: string, ...x: unknown[]) => void)(event, payload, resolve),
        );
      const internal = `@${[alice, bob].sort().join('+')}`;
      for (const ev of ['room:join', 'room:history', 'room:members']) {
        const r = await ask(ev, { room: internal });
        expect(r.ok, `${ev} ${internal}`).toBe(false);
        expect(!r.ok && r.error.code).toBe('bad_request');
      }
      for (const room of [`@${alice}`, `@${bob}`]) {
        const h = await ask('room:history', { room });
        expect(h).toMatchObject({ ok: true, data: { messages: [] } });
        const m = await ask('room:members', { room });
        expect(JSON.stringify(m)).not.toContain(room === `@${alice}` ? bob : alice);
      }
      await say('bob', 'one more for the road');
      await until('alice', (s) => expect(s).toContain(`${bob}: one more for the road`));
      expect(heard.join('\n')).not.toContain('one more for the road');
      expect(heard.join('\n')).not.toContain('hi bob');
    } finally {
      raw.close();
    }
  });

  it("/ignore hides a user's room messages and DMs in the real binary; /unignore shows new ones", async () => {
    // Instances 1 and 3: the first test killed instance 2.
    const [a, , c] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const { name: alice, conf: aliceConf } = panes.user('alice', a);
    const { name: dave, conf: daveConf } = panes.user('dave', c);
    openPane('alice2', aliceConf, [a]);
    openPane('dave', daveConf, [c]);
    for (const p of ['alice2', 'dave'])
      await until(p, (s) => {
        expect(s.split('\n')[0]).toContain('● connected');
        expect(s).toContain('#lobby>');
      });
    await say('dave', 'before the ignore');
    await until('alice2', (s) => expect(s).toContain(`${dave}: before the ignore`));

    await say('alice2', `/ignore ${dave}`);
    await until('alice2', (s) => {
      expect(s).toContain(`ignoring ${dave}: their messages and DMs`);
      expect(s).not.toContain('before the ignore');
    });
    await say('dave', `${alice}: hidden in the room`);
    await say('dave', `/msg ${alice} hidden dm`);
    await until('dave', (s) => expect(s).toContain(`${dave}: hidden dm`));
    // A line from alice herself after dave's: once it shows, his have been delivered too.
    await say('alice2', 'sync line');
    await until('alice2', (s) => expect(s).toContain(`${alice}: sync line`));
    await until('dave', (s) => expect(tabBar(s)).toMatch(/#lobby 1\b/));
    await until('alice2', (s) => expect(tabBar(s)).toBe('1:#lobby'));
    const screen = panes.screen('alice2');
    expect(screen).not.toContain('hidden in the room');
    expect(screen).not.toContain('hidden dm');

    await say('alice2', `/unignore ${dave}`);
    // (The line wraps at the pane's width: its start is enough.)
    await until('alice2', (s) => expect(s).toContain(`no longer ignoring ${dave}`));
    tmux('send-keys', '-t', 'dave', 'M-1');
    await until('dave', (s) => expect(s).toContain('#lobby>'));
    await say('dave', 'shown again');
    await until('alice2', (s) => expect(s).toContain(`${dave}: shown again`));
    await say('dave', `/msg ${alice} a dm she sees`);
    await until('alice2', (s) => expect(tabBar(s)).toMatch(new RegExp(`@${dave} \\d+ \\(\\d+\\)`)));
    // Hidden, not dropped: the room line he sent meanwhile shows again.
    await until('alice2', (s) => expect(s).toContain(`${dave}: ${alice}: hidden in the room`));
  });
});
