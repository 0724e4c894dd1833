import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MESSAGE_MAX_LENGTH } from '../../src/protocol/index.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalCluster } from '../admin/local-cluster.js';
import { runAdmin } from '../admin/run-admin.js';
import { connectUser, startInstances, userName, type TestInstance } from '../helpers/cluster.js';
import { ROOT, killAll, tmpDir } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';
import { TmuxPanes } from '../helpers/tmux.js';
import { needs } from '../helpers/tools.js';

/**
 * The built `chat-tui join` in real terminals (tmux panes, 80x24) against a real 3-instance
 * cluster: two users chat, one user's instance is SIGKILLed, and both screens must end up
 * with every message exactly once while the header tells what happened.
 */

const BIN = path.join(ROOT, 'bin/chat-tui.js');
const panes = new TmuxPanes(`chat-tui-e2e-${process.pid}`, BIN);
const tmux = panes.tmux.bind(panes);
const screen = panes.screen.bind(panes);
const paneInfo = panes.info.bind(panes);
const until = panes.until.bind(panes);
const say = panes.say.bind(panes);
const clientPid = panes.clientPid.bind(panes);
const exitedCleanly = panes.exitedCleanly.bind(panes);
const count = (s: string, text: string): number => s.split(text).length - 1;
/** Runs `chat-tui join <room>` in a new 80x24 session. */
const openPane = (name: string, configDir: string, servers: string[], room = 'lobby'): void =>
  panes.open(name, configDir, ['join', room, '--server', servers.join(',')]);

let redis: TestRedis;
let nodes: TestInstance[];

beforeAll(async () => {
  redis = await TestRedis.start();
  nodes = await startInstances(3, redis.url);
});

afterAll(async () => {
  panes.close();
  await killAll();
});

describe('chat-tui join in tmux', needs('tmux'), () => {
  it('two users chat through a SIGKILL of one user’s instance; both screens show every message once', async () => {
    const [a, b, c] = nodes.map((n) => n.url) as [string, string, string];
    const alice = userName('alice');
    const bob = userName('bob');
    const aliceConf = tmpDir('tui-alice');
    const bobConf = tmpDir('tui-bob');

    // Alice logged in before (saved session); she starts on chat-2, then rotates to chat-3.
    execFileSync(
      process.execPath,
      [BIN, 'login', '--server', b, '--user', alice, '--password-stdin'],
      {
        input: 'alice-pw\n',
        env: { ...process.env, CHAT_TUI_CONFIG_DIR: aliceConf },
      },
    );
    openPane('alice', aliceConf, [b, c, a]);
    // Bob runs it for the first time: it asks for his name and, the name being new, for his
    // password twice.
    openPane('bob', bobConf, [a, c, b]);
    await until('bob', (s) => expect(s).toContain('user name:'));
    tmux('send-keys', '-t', 'bob', '-l', bob);
    tmux('send-keys', '-t', 'bob', 'Enter');
    await until('bob', (s) => expect(s).toContain('password:'));
    tmux('send-keys', '-t', 'bob', '-l', 'bob-pw-1');
    tmux('send-keys', '-t', 'bob', 'Enter');
    await until('bob', (s) => expect(s).toContain('password again:'));
    tmux('send-keys', '-t', 'bob', '-l', 'bob-pw-1');
    tmux('send-keys', '-t', 'bob', 'Enter');

    await until('alice', (s) => {
      expect(s.split('\n')[0]).toMatch(/chat-2 │ ● connected/);
      expect(s).toContain('#lobby>');
    });
    await until('bob', (s) => {
      expect(s.split('\n')[0]).toMatch(/chat-1 │ ● connected/);
      expect(s).toContain(alice); // member list
    });
    expect(paneInfo('alice', '#{?alternate_on,alternate,normal}')).toBe('alternate');
    // The first screen's hint sits in the typing row until she types.
    const HINT = '/help: commands and keys · Ctrl-C quits';
    expect(screen('alice').split('\n')[22]).toBe(HINT);

    await say('alice', 'hello from alice');
    await say('bob', 'hi alice, bob here');
    for (const p of ['alice', 'bob'])
      await until(p, (s) => {
        expect(s).toContain(`${alice}: hello from alice`);
        expect(s).toContain(`${bob}: hi alice, bob here`);
      });
    expect(screen('alice')).not.toContain(HINT);
    // /help opens over the pane and Esc closes it, leaving the room's lines as they were.
    const before = screen('alice');
    await say('alice', '/help');
    await until('alice', (s) => {
      expect(s).toContain('Help: commands and keys');
      expect(s).not.toContain('hello from alice');
    });
    tmux('send-keys', '-t', 'alice', 'Escape');
    await until('alice', (s) => expect(s).not.toContain('Help: commands and keys'));
    expect(screen('alice').split('\n').slice(3, 21)).toEqual(before.split('\n').slice(3, 21));

    // Alice's instance dies; Bob keeps talking while she is away.
    await nodes[1]!.kill('SIGKILL');
    await say('bob', 'are you still there?');
    await until('alice', (s) => {
      expect(s.split('\n')[0]).toMatch(/chat-[13] │ ● connected/);
      expect(s.split('\n')[1]).toMatch(
        /↻ chat-2 went away; reconnected to chat-[13]; \d+ missed messages? recovered/,
      );
    });
    // Typing shows on the other screen.
    tmux('send-keys', '-t', 'bob', '-l', 'thinking about it');
    await until('alice', (s) => expect(s).toContain(`${bob} is typing…`));
    tmux('send-keys', '-t', 'bob', 'C-u');
    await say('alice', 'back again');
    await say('bob', 'welcome back');

    // A paste with colour codes is filtered, not fatal.
    tmux('send-keys', '-t', 'alice', '-l', '\x1b[31mpasted in red\x1b[0m');
    await until('alice', (s) => expect(s).toContain('#lobby> pasted in red'));
    tmux('send-keys', '-t', 'alice', 'Enter');

    const lines = [
      `${alice}: hello from alice`,
      `${bob}: hi alice, bob here`,
      `${bob}: are you still there?`,
      `${alice}: back again`,
      `${bob}: welcome back`,
      `${alice}: pasted in red`,
    ];
    for (const p of ['alice', 'bob']) await panes.showsOnceInOrder(p, lines);
    // The layout follows a resize: narrower than 72 columns, the member list folds away.
    tmux('resize-window', '-t', 'bob', '-x', '64', '-y', '20');
    await until('bob', (s) => {
      expect(s).not.toContain('online');
      expect(s).toContain(`${bob}: welcome back`);
      expect(s.trimEnd().split('\n').length).toBeLessThanOrEqual(20);
    });
    const bobScreen = screen('bob');
    expect(bobScreen).not.toMatch(/[\x00-\x08\x0b-\x1f]/); // eslint-disable-line no-control-regex

    // Quitting restores the normal screen: /quit for Bob, Ctrl-C for Alice.
    await say('bob', '/quit');
    tmux('send-keys', '-t', 'alice', 'C-c');
    for (const p of ['alice', 'bob']) await exitedCleanly(p);
  });

  it('a refused saved token asks to log in again', async () => {
    const user = userName('carol');
    const dir = tmpDir('tui-carol');
    const stale = tmpDir('tui-carol-stale');
    const server = nodes[0]!.url;
    const cli = (conf: string, args: string[], input = ''): string =>
      execFileSync(process.execPath, [BIN, ...args], {
        input,
        encoding: 'utf8',
        env: { ...process.env, CHAT_TUI_CONFIG_DIR: conf },
      });
    cli(dir, ['login', '--server', server, '--user', user, '--password-stdin'], 'carol-pw\n');
    copyFileSync(path.join(dir, 'config.json'), path.join(stale, 'config.json'));
    cli(dir, ['logout', '--server', server]); // the copied token is now revoked
    openPane('carol', stale, [server]);
    await until('carol', (s) => {
      expect(s).toContain('Your session is no longer valid.');
      // ... and why: it was logged out (from another client, here the CLI).
      expect(s).toContain('This session was logged out; log in again.');
      expect(s).toContain('user name:');
    });
    tmux('send-keys', '-t', 'carol', '-l', user);
    tmux('send-keys', '-t', 'carol', 'Enter');
    await until('carol', (s) => expect(s).toContain('password:'));
    tmux('send-keys', '-t', 'carol', '-l', 'carol-pw');
    tmux('send-keys', '-t', 'carol', 'Enter');
    await until('carol', (s) => expect(s.split('\n')[0]).toContain(`${user}@127.0.0.1`));
    await until('carol', (s) => expect(s).toContain('● connected'));
    expect(paneInfo('carol', '#{?alternate_on,alternate,normal}')).toBe('alternate');
    // SIGTERM also leaves the terminal as it found it.
    process.kill(clientPid('carol'), 'SIGTERM');
    await exitedCleanly('carol');
  });

  it('`chat-admin restart` of its instance under `chat-server start`: the screen says it moved', async () => {
    const cluster = await LocalCluster.start(3);
    try {
      const user = userName('dave');
      const conf = tmpDir('tui-dave');
      execFileSync(
        process.execPath,
        [BIN, 'login', '--server', cluster.url, '--user', user, '--password-stdin'],
        { input: 'dave-pw-1\n', env: { ...process.env, CHAT_TUI_CONFIG_DIR: conf } },
      );
      openPane('dave', conf, [cluster.url]);
      let victim = '';
      await until('dave', (s) => {
        victim = /(chat-\d) │ ● connected/.exec(s.split('\n')[0]!)?.[1] ?? '';
        expect(victim).not.toBe('');
      });
      const r = await runAdmin(['--server', cluster.url, 'restart', victim], {
        CHAT_STATE_DIR: cluster.stateDir,
      });
      expect(r.code, r.stderr).toBe(0);
      await until('dave', (s) => {
        expect(s.split('\n')[0]).toMatch(/chat-\d │ ● connected/);
        // Moved to another instance, or to the victim's replacement if it was up first.
        expect(s.split('\n')[1]).toMatch(
          new RegExp(
            `↻ ${victim} is restarting; (moved to chat-\\d|back on ${victim} \\(restarted\\)); 0 missed messages recovered`,
          ),
        );
      });
      expect(screen('dave')).not.toContain('went away');
      process.kill(clientPid('dave'), 'SIGTERM');
      await exitedCleanly('dave');
    } finally {
      await cluster.stop();
    }
  });

  it('a line sent with its Enter in one send-keys call, and pasted lines, each go out in order', async () => {
    const user = userName('erin');
    const dir = tmpDir('tui-erin');
    const server = nodes[0]!.url;
    const room = 'pastes';
    execFileSync(
      process.execPath,
      [BIN, 'login', '--server', server, '--user', user, '--password-stdin'],
      {
        input: 'erin-pw\n',
        env: { ...process.env, CHAT_TUI_CONFIG_DIR: dir },
      },
    );
    // Someone else in the room records what arrives from erin.
    const { client } = await connectUser([server]);
    await client.join(room);
    const got: string[] = [];
    client.on('message', (m) => void (m.room === room && m.from === user && got.push(m.text)));
    openPane('erin', dir, [server], room);
    await until('erin', (s) => {
      expect(s.split('\n')[0]).toContain('● connected');
      expect(s).toContain(`#${room}>`);
    });

    // One call: tmux writes the text and its Enter together, as scripts do.
    tmux('send-keys', '-t', 'erin', 'hello in one call', 'Enter');
    await until('erin', (s) => expect(s).toContain(`${user}: hello in one call`));
    // A real paste (tmux turns its newlines into CRs): two lines go, the third stays typed.
    tmux('set-buffer', '-b', 'three', 'paste one\npaste two\npaste three');
    tmux('paste-buffer', '-b', 'three', '-t', 'erin');
    await until('erin', (s) => expect(s).toContain(`#${room}> paste three`));
    tmux('send-keys', '-t', 'erin', 'Enter');
    // Sent before the next paste, or a busy machine hands Enter and the paste over in one read.
    await until('erin', (s) => expect(s).toContain(`${user}: paste three`));
    // Seven lines: it asks first.
    const seven = Array.from({ length: 7 }, (_, i) => `long paste ${i + 1}`);
    tmux('set-buffer', '-b', 'seven', `${seven.join('\n')}\n`);
    tmux('paste-buffer', '-b', 'seven', '-t', 'erin');
    await until('erin', (s) => expect(s).toContain(`Send 7 pasted lines to #${room}`));
    tmux('send-keys', '-t', 'erin', 'y');

    const want = ['hello in one call', 'paste one', 'paste two', 'paste three', ...seven];
    await vi.waitFor(() => expect(got).toEqual(want), { timeout: 20_000, interval: 50 });
    await until('erin', (s) => {
      for (const l of want.slice(-5)) expect(count(s, `${user}: ${l}`), l).toBe(1);
      expect(s).not.toContain('sending…');
      expect(s).toContain(`#${room}>`);
    });
    client.close();
    tmux('send-keys', '-t', 'erin', 'C-c');
    await exitedCleanly('erin');
  });

  it("keys in one read each act ('abcd' BSpace 'e' is abce) and a 7-line bracketed paste is one message", async () => {
    const user = userName('fay');
    const dir = tmpDir('tui-fay');
    const server = nodes[0]!.url;
    const room = 'bursts';
    execFileSync(
      process.execPath,
      [BIN, 'login', '--server', server, '--user', user, '--password-stdin'],
      { input: 'fay-pw-1\n', env: { ...process.env, CHAT_TUI_CONFIG_DIR: dir } },
    );
    // A second user in the room records what arrives from fay.
    const { client } = await connectUser([server]);
    await client.join(room);
    const got: string[] = [];
    client.on('message', (m) => void (m.room === room && m.from === user && got.push(m.text)));
    openPane('fay', dir, [server], room);
    await until('fay', (s) => {
      expect(s.split('\n')[0]).toContain('● connected');
      expect(s).toContain(`#${room}>`);
    });

    // What the client writes for keys typed: the rows that changed (the input's, and the hint's
    // the first time), each in place; never the whole screen again, never a clear.
    const written = path.join(tmpDir('tui-fay-out'), 'pane');
    tmux('pipe-pane', '-o', '-t', 'fay', `cat > ${written}`);
    // One send-keys call: tmux writes the four letters, the Backspace and the e in one go.
    tmux('send-keys', '-t', 'fay', 'abcd', 'BSpace', 'e');
    await until('fay', (s) => expect(s.split('\n')[23]).toBe(`#${room}> abce`));
    const out = await vi.waitFor(
      () => {
        const text = readFileSync(written, 'utf8');
        expect(text).toContain('abce');
        return text;
      },
      { timeout: 20_000, interval: 50 },
    );
    tmux('pipe-pane', '-t', 'fay');
    expect(out).not.toContain('\x1b[2J');
    const rowsWritten = [...out.matchAll(/\x1b\[(\d+);1H/g)].map((m) => Number(m[1])); // eslint-disable-line no-control-regex
    expect(rowsWritten).toContain(24);
    expect(rowsWritten.filter((r) => r < 23)).toEqual([]);
    tmux('send-keys', '-t', 'fay', 'Enter');
    await vi.waitFor(() => expect(got).toEqual(['abce']), { timeout: 20_000, interval: 50 });

    // A paste with -p is bracketed (the client asked for it). Two lines are typed into the
    // input, where Enter sends them as one message.
    tmux('set-buffer', '-b', 'two', 'first of two\nsecond of two');
    tmux('paste-buffer', '-p', '-b', 'two', '-t', 'fay');
    await until('fay', (s) =>
      expect(s.split('\n').slice(22, 24)).toEqual([
        `#${room}> first of two`,
        '       ┆ second of two',
      ]),
    );
    tmux('send-keys', '-t', 'fay', 'Enter');
    await vi.waitFor(() => expect(got).toEqual(['abce', 'first of two\nsecond of two']), {
      timeout: 20_000,
      interval: 50,
    });
    // Seven lines: one question, one message with its line breaks.
    const seven = Array.from({ length: 7 }, (_, i) => `pasted line ${i + 1}`);
    tmux('set-buffer', '-b', 'seven', seven.join('\n'));
    tmux('paste-buffer', '-p', '-b', 'seven', '-t', 'fay');
    await until('fay', (s) =>
      expect(s).toContain(`Send 7 pasted lines to #${room} as one message? y/Enter: send`),
    );
    expect(got).toHaveLength(2);
    tmux('send-keys', '-t', 'fay', 'y');
    await vi.waitFor(() => expect(got.slice(2)).toEqual([seven.join('\n')]), {
      timeout: 20_000,
      interval: 50,
    });
    await until('fay', (s) => {
      expect(count(s, `${user}: pasted line 1`)).toBe(1);
      for (const l of seven.slice(1)) expect(count(s, `┆ ${l}`), l).toBe(1);
      expect(s).not.toContain('sending…');
    });
    // The longest message there is, one word taller than the pane: its end shows, and PgUp
    // reaches its start (nothing is cut). The pane's text, rows joined, holds each end once.
    const word = `wordstart${'w0123456789'.repeat(180)}wordend`;
    expect(word.length).toBeLessThanOrEqual(MESSAGE_MAX_LENGTH);
    await client.send(room, word);
    const text = (s: string): string =>
      s
        .split('\n')
        .map((l) => l.split('│')[0]!.trim())
        .join('');
    await until('fay', (s) => {
      expect(text(s)).toContain('w0123456789wordend');
      expect(text(s)).not.toContain('wordstart');
    });
    tmux('send-keys', '-t', 'fay', 'PPage');
    await until('fay', (s) => expect(text(s)).toContain('wordstartw0123456789'));
    client.close();
    tmux('send-keys', '-t', 'fay', 'C-c');
    await exitedCleanly('fay');
  });
});
