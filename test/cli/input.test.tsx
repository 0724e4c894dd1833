import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, plain, setup, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

describe('input line and commands', () => {
  it('Enter sends the line, which then shows in the room; typing is announced', async () => {
    h = await setup();
    await h.enter('hello room');
    await h.until((f) => expect(f).toContain('me: hello room (sending…)'));
    expect(h.chat.sent).toEqual([{ room: 'lobby', text: 'hello room', kind: 'text' }]);
    expect(h.chat.typingCalls).toEqual([true, false]);
    expect(h.frame().split('\n').at(-1)).toBe('#lobby>');
  });

  it('Up recalls earlier input, Down steps back; a half-typed line is kept as a draft', async () => {
    h = await setup();
    await h.enter('first');
    await h.enter('second');
    await h.until((f) => expect(f).toContain('me: second'));
    h.key(KEYS.up);
    await h.until((f) => expect(f).toContain('#lobby> second'));
    h.key(KEYS.up);
    await h.until((f) => expect(f).toContain('#lobby> first'));
    h.key(KEYS.down);
    await h.until((f) => expect(f).toContain('#lobby> second'));
    h.key(KEYS.enter);
    await h.until(() =>
      expect(h!.chat.sent.map((s) => s.text)).toEqual(['first', 'second', 'second']),
    );
    // Up from a half-typed line, and Down past the newest entry brings the draft back.
    h.key('half a thou');
    await h.until((f) => expect(f).toContain('#lobby> half a thou'));
    for (const k of [KEYS.up, KEYS.up, KEYS.up]) h.key(k);
    await h.until((f) => expect(f).toContain('#lobby> first')); // the oldest: Up stops there
    for (const k of [KEYS.down, KEYS.down]) h.key(k);
    await h.until((f) => expect(f).toContain('#lobby> half a thou'));
    // Down again changes nothing; the draft goes on being typed and is sent whole.
    h.key(KEYS.down);
    h.key('ght');
    await h.until((f) => expect(f).toContain('#lobby> half a thought'));
    h.key(KEYS.enter);
    await h.until(() => expect(h!.chat.sent.at(-1)?.text).toBe('half a thought'));
    // An empty line is a draft too: Up then Down leaves it empty.
    h.key(KEYS.up);
    await h.until((f) => expect(f).toContain('#lobby> half a thought'));
    h.key(KEYS.down);
    await h.until((f) => expect(f.split('\n').at(-1)).toBe('#lobby>'));
  });

  it('Left/Right, Ctrl-A/Ctrl-E and Backspace edit inside the line', async () => {
    h = await setup();
    h.key('helo wrld');
    await h.until((f) => expect(f).toContain('#lobby> helo wrld'));
    for (let i = 0; i < 3; i++) h.key(KEYS.left);
    h.key('o');
    await h.until((f) => expect(f).toContain('#lobby> helo world'));
    h.key(KEYS.ctrlA);
    h.key(KEYS.right);
    h.key(KEYS.right);
    h.key(KEYS.right);
    h.key('l');
    await h.until((f) => expect(f).toContain('#lobby> hello world'));
    h.key(KEYS.ctrlE);
    h.key('!');
    h.key(KEYS.backspace);
    h.key('?');
    await h.until((f) => expect(f).toContain('#lobby> hello world?'));
    h.key(KEYS.enter);
    await h.until(() => expect(h!.chat.sent.map((s) => s.text)).toEqual(['hello world?']));
  });

  it('/join switches to a new room, /leave leaves it', async () => {
    h = await setup();
    await h.enter('/join dev');
    await h.until((f) => {
      expect(f).toContain('1:#lobby 2:#dev');
      expect(f).toContain('#dev>');
    });
    await h.enter('/join Not!');
    await h.until((f) => expect(f).toContain('"Not!" is not a room name'));
    // A name with a space is not its first word: nothing joined, the usage said.
    await h.enter('/join bad room!');
    await h.until((f) =>
      expect(plain(f)).toContain('usage: /join <room> (not run: "room!" is more than it takes)'),
    );
    expect(h.frame()).not.toContain('#bad');
    await h.enter('/leave');
    await h.until((f) => {
      expect(f.split('\n')[2]).toBe('1:#lobby');
      expect(f).toContain('#lobby>');
    });
    expect(h.chat.rooms.has('dev')).toBe(false);
  });

  it('/rooms lists rooms, /who lists members', async () => {
    h = await setup();
    h.chat.roomList = [
      { name: 'lobby', members: ['me', 'alice'], memberCount: 2, lastActivity: 0, messages: 12 },
      { name: 'dev', members: [], memberCount: 0, lastActivity: 0, messages: 1 },
    ];
    await h.enter('/join ops');
    await h.enter('/join lobby');
    h.chat.deliver('ops', 'alice', 'one');
    h.chat.deliver('ops', 'alice', 'two');
    await h.enter('/rooms');
    await h.until((f) => {
      expect(f).toContain('joined (2):');
      expect(f).toContain('1:#lobby (here)');
      expect(f).toContain('2:#ops: 2 unread');
      expect(f).toContain('on the server (2 rooms, most recently active first):');
      expect(f).toContain('#lobby (joined): 2 online, 12 messages');
      expect(f).toContain('#dev: 0 online, 1 message');
    });
    expect(h.frame()).not.toContain('1 messages');
    h.chat.rooms.get('lobby')!.members = ['me', 'zed', 'alice'];
    await h.enter('/who');
    await h.until((f) => expect(f).toContain('3 in #lobby: alice, me, zed'));
  });

  it('/me sends an action, /clear empties the screen', async () => {
    h = await setup();
    h.chat.deliver('lobby', 'bob', 'old talk');
    await h.enter('/me waves');
    await h.until(() =>
      expect(h!.chat.sent).toEqual([{ room: 'lobby', text: 'waves', kind: 'action' }]),
    );
    await h.until((f) => expect(f).toContain('* me waves'));
    h.chat.settle([...h.chat.outgoing.values()][0]!, 'sent');
    await h.enter('/clear');
    await h.until((f) => {
      expect(f).not.toContain('old talk');
      expect(f).not.toContain('waves');
    });
    h.chat.deliver('lobby', 'bob', 'new talk');
    await h.until((f) => expect(f).toContain('bob: new talk'));
    // Up past the top of the cleared screen brings back what it hid.
    h.key(KEYS.pageUp);
    await h.until((f) => {
      expect(f).toContain('bob: old talk');
      expect(f).toContain('showing what /clear hid');
    });
  });

  it('unknown commands get a helpful line and send nothing', async () => {
    h = await setup({ rows: 40 });
    await h.enter('/frobnicate now');
    await h.until((f) =>
      expect(f).toContain('unknown command /frobnicate: /help lists the commands'),
    );
    await h.enter('//not a command');
    await h.until(() => expect(h!.chat.sent.map((s) => s.text)).toEqual(['/not a command']));
  });

  it('/quit and Ctrl-C quit', async () => {
    h = await setup();
    let quits = 0;
    h.store.onQuit = () => quits++;
    await h.enter('/quit');
    await h.until(() => expect(quits).toBe(1));
    h.unmount();

    h = await setup();
    let quit = false;
    h.store.onQuit = () => (quit = true);
    h.key(KEYS.ctrlC);
    await h.until(() => expect(quit).toBe(true));
  });
});
