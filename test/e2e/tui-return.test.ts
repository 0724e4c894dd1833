import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useCluster } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';
import { ROOT } from '../helpers/processes.js';
import { TmuxPanes } from '../helpers/tmux.js';
import { needs } from '../helpers/tools.js';

/**
 * Coming back, in real terminals: bob reads #dev and quits; while he is away alice names him
 * there and writes to him directly. When bob starts again his tab bar has #dev and the
 * conversation with their unread and mention counts, #dev shows a marker line where he
 * stopped reading, `/mentions` lists both from the server and goes to one; a second terminal
 * of bob's shows the same counts, and what he reads on one clears on the other.
 */

const BIN = path.join(ROOT, 'bin/chat-tui.js');
const panes = new TmuxPanes(`chat-tui-return-${process.pid}`, BIN);
const until = panes.until.bind(panes);
const say = panes.say.bind(panes);
const tabBar = (s: string): string => s.split('\n').find((l) => /\b1:[#@]/.test(l)) ?? '';
const MARKER = /── new since \d\d:\d\d ──/;

const cluster = useCluster(2, {}, 'single');
afterAll(() => panes.close());

describe('coming back in tmux', needs('tmux'), () => {
  it('offline mentions and a new conversation come back as tabs with counts, a marker line and /mentions', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    // Sessions are saved for the first server of each user's list.
    const aliceServers = `${a},${b}`;
    const servers = `${b},${a}`;
    const { name: alice, conf: aliceConf } = panes.user('alice', a);
    const { name: bob, conf: bobConf } = panes.user('bob', b);
    const connected = (s: string): void => expect(s.split('\n')[0]).toContain('● connected');

    // Both in #dev; bob sees alice's morning, so his marker is on it.
    panes.open('alice', aliceConf, ['join', 'dev', '--server', aliceServers]);
    panes.open('bob', bobConf, ['join', 'lobby', '--server', servers]);
    await until('bob', connected);
    await say('bob', '/join dev');
    await until('bob', (s) => expect(s).toContain('#dev>'));
    await until('alice', connected);
    await say('alice', 'morning');
    await until('bob', (s) => expect(s).toContain(`${alice}: morning`));
    const store = cluster.redis.client();
    try {
      const morning = await eventually(
        async () => {
          const id = await store.hget(`chat:user:{${bob}}:marks`, 'dev');
          expect(id).toMatch(/^\d+-\d+$/);
          return id!;
        },
        { what: "bob's read marker in #dev" },
      );
      await say('bob', '/quit');
      await panes.exitedCleanly('bob');

      // Bob is away: alice names him in #dev and writes to him directly.
      await say('alice', `${bob}: are you there?`);
      await until('alice', (s) => expect(s).toContain(`${alice}: ${bob}: are you there?`));
      await say('alice', `/msg ${bob} ping ${bob}, call me`);
      await until('alice', (s) => expect(s).toContain(`${alice}: ping ${bob}, call me`));
      expect(await store.hget(`chat:user:{${bob}}:marks`, 'dev')).toBe(morning);
    } finally {
      store.disconnect();
    }

    // Bob starts again (lobby only on the command line): #dev is back, and the conversation.
    panes.open('bob2', bobConf, ['join', 'lobby', '--server', servers]);
    await until('bob2', (s) => {
      connected(s);
      expect(tabBar(s)).toContain(`1:#lobby 2:#dev 1 (1) 3:@${alice} 1 (1)`);
      expect(s).toContain('#lobby>');
    });
    await say('bob2', '/mentions');
    await until('bob2', (s) => {
      expect(s).toContain('mentions (the last 2 messages, newest last)');
      expect(s).toMatch(new RegExp(`1\\. \\d\\d:\\d\\d #dev ${alice}: ${bob}: are you there\\?`));
      expect(s).toMatch(new RegExp(`2\\. \\d\\d:\\d\\d @${alice} ${alice}: ping`));
    });
    await say('bob2', '/mentions 1');
    await until('bob2', (s) => {
      expect(s).toContain('#dev>');
      expect(s).toMatch(MARKER);
      const at = [`${alice}: morning`, 'new since', `${alice}: ${bob}: are you there?`].map((t) =>
        s.indexOf(t),
      );
      expect(at.every((i) => i >= 0)).toBe(true);
      expect([...at].sort((x, y) => x - y)).toEqual(at);
      expect(tabBar(s)).toContain(`1:#lobby 2:#dev 3:@${alice} 1 (1)`);
    });

    // A second terminal of bob's: the same counts (#dev read on the first).
    panes.open('bob3', bobConf, ['join', 'lobby', '--server', servers]);
    await until('bob3', (s) => {
      connected(s);
      expect(tabBar(s)).toContain(`1:#lobby 2:#dev 3:@${alice} 1 (1)`);
    });
    // Bob reads the conversation on the first: it clears on the second.
    panes.tmux('send-keys', '-t', 'bob2', 'M-3');
    await until('bob2', (s) => expect(s).toContain(`@${alice}>`));
    await until('bob3', (s) => expect(tabBar(s)).toMatch(new RegExp(`3:@${alice}\\s*$`)));
    await until('bob3', (s) => expect(s).toContain('#lobby>'));
  });
});
