import { afterEach, describe, expect, it, vi } from 'vitest';
import { MENTIONS_KEPT } from '../../src/cli/tui/state/mentions.js';
import { KEYS, setup, type Harness, plain, tabs } from './harness.js';

// Highlighting is colour only (the pane measures text): draw with colours to see it.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

let h: Harness | undefined;
afterEach(() => h?.unmount());

const lineWith = (f: string, text: string): string =>
  f.split('\n').find((l) => plain(l).includes(text)) ?? '';
const INVERSE = '\x1b[7m';
const HIGHLIGHT = '\x1b[93m'; // bright yellow

describe('mentions', () => {
  it('are highlighted in the pane: the name as a word, with or without @, in any case', async () => {
    h = await setup();
    const cases: [string, boolean][] = [
      ['hey me, look at this', true],
      ['@me ping', true],
      ['thanks ME!', true],
      ['memento and some meme', false],
      ['email me-too', false],
      ['no one here', false],
    ];
    for (const [text] of cases) h.chat.deliver('lobby', 'alice', text);
    await h.until((f) => expect(plain(f)).toContain('no one here'));
    const f = h.frame();
    for (const [text, mention] of cases) {
      const line = lineWith(f, text);
      expect(line, text).not.toBe('');
      expect(line.includes(INVERSE) && line.includes(HIGHLIGHT), text).toBe(mention);
    }
    // Mine are never mentions, and ring nothing.
    h.chat.deliver('lobby', 'me', 'me talking about me');
    await h.until((f) => expect(plain(f)).toContain('me talking about me'));
    expect(lineWith(h.frame(), 'me talking about me')).not.toContain(HIGHLIGHT);
    expect(h.bells()).toBe(3);
  });

  it('count apart on the tab as "#room 3 (1)", ring once each, and clear on switching', async () => {
    h = await setup({ rooms: ['lobby', 'dev'] });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev'));
    h.chat.deliver('dev', 'bob', 'build is green');
    h.chat.deliver('dev', 'bob', 'me: can you review?');
    h.chat.deliver('dev', 'bob', 'no rush');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 3 (1)'));
    expect(h.bells()).toBe(1);
    h.chat.deliver('dev', 'me', 'me too'); // my own: not a mention
    h.chat.deliver('dev', 'carol', '@me also');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 5 (2)'));
    expect(h.bells()).toBe(2);
    // History is not news: a page loaded from the server rings nothing.
    h.chat.deliver('dev', 'dan', 'me, an old one', { live: false, ts: 1 });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 5 (2)'));
    expect(h.bells()).toBe(2);
    h.key(KEYS.ctrlN);
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev'));
    // In the room on screen a mention still rings (and is highlighted), but is read.
    h.chat.deliver('dev', 'bob', 'thanks me');
    await h.until((f) => expect(plain(f)).toContain('bob: thanks me'));
    expect(tabs(h.frame())).toBe('1:#lobby 2:#dev');
    expect(h.bells()).toBe(3);
  });

  it('ring no bell with the bell setting off, and are still counted', async () => {
    h = await setup({ rooms: ['lobby', 'dev'], bell: 'off' });
    h.chat.deliver('dev', 'bob', 'me: ping');
    h.chat.fire('notice', { id: 'n1', text: 'me, please log out', ts: 0, from: 'admin' });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 1 (1)'));
    await h.enter('/mentions');
    await h.until((f) => expect(plain(f)).toContain('[broadcast] admin: me, please log out'));
    expect(h.bells()).toBe(0);
  });

  it('/mentions lists them across rooms, DMs and notices, newest last, the last 50', async () => {
    h = await setup({ rooms: ['lobby', 'dev'] });
    await h.enter('/mentions');
    await h.until((f) => expect(plain(f)).toContain('no one has mentioned you yet'));
    h.chat.deliver('dev', 'bob', 'me: first', { ts: Date.UTC(2026, 10, 23, 9, 5) });
    h.chat.deliver('dev', 'bob', 'not this one');
    h.chat.fire('notice', {
      id: 'n1',
      text: 'restart soon, me',
      ts: Date.UTC(2026, 10, 23, 9, 7),
      from: 'ops',
    });
    // Someone opens a direct conversation: every message from the peer counts on the tab,
    // the one naming me also as a mention (listed, rung).
    // A DM rings too; a conversation opened with two messages rings once.
    h.chat.openedBy('alice', ['hi', 'are you there me?']);
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 2 (1) 3:@alice 2 (2)'));
    expect(h.bells()).toBe(3);
    await h.enter('/mentions');
    await h.until((f) => expect(plain(f)).toContain('mentions (the last 3 messages, newest last)'));
    const shown = plain(h.frame());
    const order = [
      '09:05 #dev bob: me: first',
      '09:07 [broadcast] ops: restart soon, me',
      '@alice alice: are you there me?',
    ].map((l) => shown.indexOf(l));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(shown).not.toContain('not this one');

    for (let i = 1; i <= MENTIONS_KEPT + 5; i++) h.chat.deliver('lobby', 'eve', `me #${i}`);
    await h.until(() => expect(h!.bells()).toBe(3 + MENTIONS_KEPT + 5));
    const kept = h.store.recentMentions;
    expect(kept).toHaveLength(MENTIONS_KEPT);
    expect(kept[0]!.text).toBe('me #6');
    expect(kept.at(-1)!.text).toBe(`me #${MENTIONS_KEPT + 5}`);
  });

  it('Ctrl-X goes to the room that names me first', async () => {
    h = await setup({ rooms: ['lobby', 'dev', 'ops'] });
    h.chat.deliver('dev', 'bob', 'just chatting');
    h.chat.deliver('ops', 'carol', 'me: the pager');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 1 3:#ops 1 (1)'));
    h.key('\x18');
    await h.until((f) => expect(plain(f)).toContain('#ops>'));
    h.key('\x18');
    await h.until((f) => expect(plain(f)).toContain('#dev>'));
  });
});
