import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatClient } from '../../src/client/chat-client.js';
import { connectUser, startInstances, userName, type TestInstance } from '../helpers/cluster.js';
import { ROOT, killAll, tmpDir } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';
import { TmuxPanes } from '../helpers/tmux.js';
import { needs } from '../helpers/tools.js';

/**
 * The built `chat-tui join` in real terminals (tmux panes, 80x24) against a 3-instance
 * cluster: a search hit older than the loaded window is shown with its history; an edit and
 * a delete are seen by another user, and by a third whose instance is SIGKILLed meanwhile,
 * each in place, once, never with the old text as a second line.
 */

const BIN = path.join(ROOT, 'bin/chat-tui.js');
const panes = new TmuxPanes(`chat-tui-edits-${process.pid}`, BIN);
const { until, say } = { until: panes.until.bind(panes), say: panes.say.bind(panes) };
const count = (s: string, text: string): number => s.split(text).length - 1;
const ROOM = 'history';

let redis: TestRedis;
let nodes: TestInstance[];
let seeder: ChatClient | undefined;

beforeAll(async () => {
  redis = await TestRedis.start();
  nodes = await startInstances(3, redis.url);
});

afterAll(async () => {
  seeder?.close();
  panes.close();
  await killAll();
});

/** Logs `user` in (a saved session in its own config dir) and opens its pane on `servers`. */
function openUser(pane: string, user: string, servers: string[]): void {
  const conf = tmpDir(`tui-${pane}`);
  execFileSync(
    process.execPath,
    [BIN, 'login', '--server', servers[0]!, '--user', user, '--password-stdin'],
    { input: `${pane}-pw-1\n`, env: { ...process.env, CHAT_TUI_CONFIG_DIR: conf } },
  );
  panes.open(pane, conf, ['join', ROOM, '--server', servers.join(',')]);
}

describe('edit, delete and search in tmux', needs('tmux'), () => {
  it('a search jumps past the loaded window; edit and delete show in place once, also after a kill -9', async () => {
    const [a, b, c] = nodes.map((n) => n.url) as [string, string, string];
    // History older than what a join loads (50): the hit is the room's first message.
    const seed = await connectUser([a], { user: userName('seed') });
    seeder = seed.client;
    await seeder.join(ROOM);
    await seeder.send(ROOM, 'the needle from long ago');
    await seeder.send(ROOM, 'just after the needle');
    for (let i = 1; i <= 120; i++) await seeder.send(ROOM, `filler ${i}`);

    const alice = userName('alice');
    const bob = userName('bob');
    const carol = userName('carol');
    openUser('alice', alice, [a]);
    openUser('bob', bob, [b]);
    // Carol knows one instance: she is away until it is back.
    openUser('carol', carol, [c]);
    for (const p of ['alice', 'bob', 'carol'])
      await until(p, (s) => {
        expect(s).toContain('filler 120');
        expect(s).toContain('● connected');
      });
    expect(panes.screen('alice')).not.toContain('needle');

    // Search: the hit is listed with time and sender, then shown where it stands.
    await say('alice', '/search NEEDLE from');
    await until('alice', (s) =>
      expect(s).toMatch(new RegExp(`1\\. \\d\\d:\\d\\d ${seed.user}: the needle from long ago`)),
    );
    await say('alice', '/jump 1');
    await until('alice', (s) => {
      expect(s).toMatch(new RegExp(`\\d\\d:\\d\\d ${seed.user}: the needle from long ago`));
      expect(s).toContain(`${seed.user}: just after the needle`);
      expect(s).toContain('more below');
    });
    // Below what was loaded around the hit (up to filler 24), the history not loaded is loaded
    // once the view comes to it: the view goes on with the first one loaded, and nothing is
    // marked missing any more (it was, before: two messages could never be reached).
    panes.tmux('send-keys', '-t', 'alice', 'PageDown');
    await until('alice', (s) => {
      expect(s).toContain('filler 24');
      expect(s).toContain('filler 25');
      expect(s.indexOf('filler 24')).toBeLessThan(s.indexOf('filler 25'));
      expect(s).not.toContain('not loaded');
    });
    panes.tmux('send-keys', '-t', 'alice', 'PageDown');
    await until('alice', (s) => expect(s).toMatch(/filler 3\d/));
    panes.tmux('send-keys', '-t', 'alice', 'End');
    await until('alice', (s) => expect(s).not.toContain('more below'));

    // Alice writes, then edits with Alt-E: the last message comes back in the line.
    await say('alice', 'i wrote this wrnog');
    for (const p of ['bob', 'carol'])
      await until(p, (s) => expect(s).toContain(`${alice}: i wrote this wrnog`));
    panes.tmux('send-keys', '-t', 'alice', 'M-e');
    await until('alice', (s) => expect(s).toContain('> /edit i wrote this wrnog'));
    panes.tmux('send-keys', '-t', 'alice', 'BSpace', 'BSpace', 'BSpace');
    panes.tmux('send-keys', '-t', 'alice', '-l', 'ong, fixed');
    await until('alice', (s) => expect(s).toContain('> /edit i wrote this wrong, fixed'));
    panes.tmux('send-keys', '-t', 'alice', 'Enter');
    const edited = `${alice}: i wrote this wrong, fixed (edited)`;
    for (const p of ['alice', 'bob'])
      await until(p, (s) => {
        expect(count(s, edited)).toBe(1);
        expect(s).not.toContain('wrnog');
      });

    // Carol's instance is killed; the message is edited again and deleted while she is away.
    await nodes[2]!.kill('SIGKILL');
    await until('carol', (s) => expect(s.split('\n')[0]).not.toContain('● connected'));
    await say('alice', '/edit i wrote this wrong, fixed twice');
    await until('bob', (s) => expect(s).toContain('fixed twice (edited)'));
    await say('alice', 'to be deleted');
    await say('alice', '/delete');
    const gone = `${alice}: message deleted`;
    for (const p of ['alice', 'bob'])
      await until(p, (s) => {
        expect(count(s, gone)).toBe(1);
        expect(s).not.toContain('to be deleted');
        expect(count(s, edited.replace('fixed', 'fixed twice'))).toBe(1);
      });
    await nodes[2]!.start();
    await until(
      'carol',
      (s) => {
        expect(s.split('\n')[0]).toContain('● connected');
        expect(count(s, `${alice}: i wrote this wrong, fixed twice (edited)`)).toBe(1);
        expect(count(s, gone)).toBe(1);
        expect(s).not.toContain('wrnog');
        expect(s).not.toContain('to be deleted');
        expect(count(s, 'i wrote this')).toBe(1);
      },
      30_000,
    );
    // In place: the edited line stands where it was, before the deleted one.
    // (Polled like every other look at a screen: carol's return redraws the others' member lists.)
    for (const p of ['alice', 'bob', 'carol'])
      await until(p, (s) => {
        expect(s.indexOf('fixed twice (edited)'), p).toBeGreaterThan(s.indexOf('filler 120'));
        expect(s.indexOf(gone), p).toBeGreaterThan(s.indexOf('fixed twice (edited)'));
        expect(s.indexOf('filler 120'), p).toBeGreaterThan(-1);
      });
    for (const p of ['alice', 'bob', 'carol']) panes.tmux('send-keys', '-t', p, 'C-c');
    for (const p of ['alice', 'bob', 'carol']) await panes.exitedCleanly(p);
  }, 180_000); // three logins, 122 messages and three terminals: slow on a busy machine
});
