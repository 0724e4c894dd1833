import { afterEach, describe, expect, it, vi } from 'vitest';
import { KEYS, setup, type Harness, plain, tabs } from './harness.js';

// A DM tab differs from a room's by colour too: draw with colours to see it.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

let h: Harness | undefined;
afterEach(() => h?.unmount());

const prompt = (f: string): string => plain(f.split('\n').at(-1) ?? '').trimEnd();
const GREEN = '\x1b[32m';

describe('direct conversations', () => {
  it('one someone opens with us becomes a tab with its unread count, without switching', async () => {
    h = await setup({ rooms: ['lobby'] });
    h.key('half typed');
    await h.until((f) => expect(prompt(f)).toBe('#lobby> half typed'));
    h.chat.openedBy('alice', ['hi there']);
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@alice 1 (1)'));
    expect(prompt(h.frame())).toBe('#lobby> half typed');
    expect(plain(h.frame())).not.toContain('hi there');
    const bar = h.frame().split('\n')[2]!;
    expect(bar).toContain(`${GREEN}@alice`);
    expect(bar).not.toContain(`${GREEN}#lobby`);
    // Later messages count on the tab as well, all of them (they were written to me).
    h.chat.deliver('@alice', 'alice', 'are you around?');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@alice 2 (2)'));

    h.key(KEYS.alt(2));
    await h.until((f) => {
      expect(tabs(f)).toBe('1:#lobby 2:@alice');
      expect(plain(f)).toContain('alice: hi there');
      expect(plain(f)).toContain('alice: are you around?');
      expect(prompt(f)).toBe('@alice> half typed');
    });
    h.key(KEYS.ctrlU);
    await h.enter('hello alice');
    await h.until(() =>
      expect(h!.chat.sent).toEqual([{ room: '@alice', text: 'hello alice', kind: 'text' }]),
    );
    // Opened again (it was open already): no second tab.
    h.chat.fire('opened', '@alice');
    await h.enter('/rooms');
    await h.until((f) => expect(plain(f)).toContain('2:@alice (here)'));
    expect(tabs(h.frame())).toBe('1:#lobby 2:@alice');
  });

  it('opened with older history: only the new messages count and ring', async () => {
    h = await setup({ rooms: ['lobby'], notify: 'osc777' });
    h.chat.openedBy('alice', ['still there?', 'me?'], {
      before: [
        ['alice', 'old question'],
        ['me', 'old answer'],
      ],
    });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@alice 2 (2)'));
    // The two new DMs ring ('me?' as a mention, 'still there?' as a DM), once for both; the
    // older ones nothing.
    expect(h.bells()).toBe(1);
    expect(h.written()).toContain(
      '\x1b]777;notify;chat-tui: 2 messages for you;alice (direct): 2\x07',
    );
    expect(prompt(h.frame())).toBe('#lobby>');
    h.key(KEYS.alt(2));
    await h.until((f) => {
      expect(plain(f)).toContain('me: old answer');
      expect(plain(f)).toContain('alice: me?');
    });
    expect(h.bells()).toBe(1);
  });

  it('/msg opens, switches and sends; /query and /join @user open and switch', async () => {
    h = await setup({ rooms: ['lobby'] });
    await h.enter('/msg bob  two  spaces kept');
    await h.until((f) => {
      expect(tabs(f)).toBe('1:#lobby 2:@bob');
      expect(prompt(f)).toBe('@bob>');
    });
    expect(h.chat.sent).toEqual([{ room: '@bob', text: ' two  spaces kept', kind: 'text' }]);
    await h.enter('/msg @bob again');
    await h.until(() => expect(h!.chat.sent.at(-1)).toMatchObject({ room: '@bob', text: 'again' }));
    expect(tabs(h.frame())).toBe('1:#lobby 2:@bob');

    await h.enter('/query carol');
    await h.until((f) => expect(prompt(f)).toBe('@carol>'));
    await h.enter('/join @dave');
    await h.until((f) => {
      expect(prompt(f)).toBe('@dave>');
      expect(tabs(f)).toBe('1:#lobby 2:@bob 3:@carol 4:@dave');
    });
    expect(h.chat.sent).toHaveLength(2);
    expect([...h.chat.rooms.keys()]).toEqual(['lobby', '@bob', '@carol', '@dave']);

    await h.enter('/rooms');
    await h.until((f) => {
      expect(plain(f)).toContain('joined (4):');
      expect(plain(f)).toContain('1:#lobby');
      expect(plain(f)).toContain('3:@carol');
      expect(plain(f)).toContain('4:@dave (here)');
    });
    await h.enter('/who');
    await h.until((f) => expect(plain(f)).toContain('in @dave: '));
  });

  it('/leave on a direct conversation closes its tab', async () => {
    h = await setup({ rooms: ['lobby'] });
    await h.enter('/query bob');
    await h.enter('/query carol');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@bob 3:@carol'));
    await h.enter('/leave');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@bob'));
    expect(h.chat.rooms.has('@carol')).toBe(false);
    await h.enter('/leave @bob');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby'));
    expect(h.chat.rooms.has('@bob')).toBe(false);
  });

  it('bad user names, missing arguments and refusals get a clear line and change nothing', async () => {
    h = await setup({ rooms: ['lobby'] });
    h.chat.refuse.set('@ghost', 'no such user');
    const cases: [string, string][] = [
      ['/msg Bob! hi', '"Bob!" is not a user name: use a-z, 0-9, _ and - (up to 32)'],
      ['/query -x', '"-x" is not a user name'],
      ['/join @no/slash', '"no/slash" is not a user name'],
      ['/join @', '"" is not a user name'],
      ['/msg', 'usage: /msg <user> <text>'],
      ['/msg bob', 'usage: /msg <user> <text>'],
      ['/query', 'usage: /query <user>'],
      ['/msg ghost boo', 'cannot open @ghost: no such user'],
    ];
    const count = (text: string): number => plain(h!.frame()).split(text).length - 1;
    for (const [line, error] of cases) {
      const before = count(error);
      await h.enter(line);
      await h.until(() => expect(count(error)).toBe(before + 1));
    }
    expect(h.chat.sent).toEqual([]);
    expect(tabs(h.frame())).toBe('1:#lobby');
    expect(prompt(h.frame())).toBe('#lobby>');
    expect([...h.chat.rooms.keys()]).toEqual(['lobby']);
  });
});
