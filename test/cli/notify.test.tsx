import { afterEach, describe, expect, it } from 'vitest';
import { notifySequence } from '../../src/cli/tui/state/notify.js';
import { T0 } from './fake-chat.js';
import { KEYS, setup, type Harness, plain, tabs } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

/** The OSC notifications written so far, as their text between `ESC]` and BEL. */
const notifications = (h: Harness): string[] =>
  // eslint-disable-next-line no-control-regex
  [...h.written().matchAll(/\x1b\](777;notify;[^\x07]*|9;[^\x07]*)\x07/g)].map((m) => m[1]!);

describe('the bell and desktop notifications', () => {
  it('a DM rings the bell like a mention, in view or not; a room message naming nobody does not', async () => {
    h = await setup({ rooms: ['lobby'] });
    h.chat.deliver('lobby', 'bob', 'plain chatter');
    await h.until((f) => expect(plain(f)).toContain('plain chatter'));
    expect(h.bells()).toBe(0);
    h.chat.openedBy('alice', ['psst']);
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@alice 1 (1)'));
    expect(h.bells()).toBe(1);
    h.key(KEYS.alt(2));
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@alice'));
    h.chat.deliver('@alice', 'alice', 'still there?');
    await h.until((f) => expect(plain(f)).toContain('still there?'));
    expect(h.bells()).toBe(2);
    // My own lines in the conversation ring nothing.
    h.chat.deliver('@alice', 'me', 'yes');
    await h.until((f) => expect(plain(f)).toContain('me: yes'));
    expect(h.bells()).toBe(2);
  });

  it('bell off: neither mentions nor DMs ring', async () => {
    h = await setup({ rooms: ['lobby'], bell: 'off' });
    h.chat.openedBy('alice', ['psst']);
    h.chat.deliver('lobby', 'bob', 'hey me');
    await h.until((f) => expect(plain(f)).toContain('hey me'));
    expect(h.bells()).toBe(0);
  });

  it('are opt-in: off by default, nothing but the bell is written', async () => {
    h = await setup({ rooms: ['lobby', 'dev'] });
    h.chat.deliver('dev', 'bob', 'me: review?');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 1 (1)'));
    expect(h.bells()).toBe(1);
    expect(notifications(h)).toEqual([]);
  });

  it('osc777: for mentions and DMs in rooms not on screen, never for the room in view', async () => {
    h = await setup({ rooms: ['lobby', 'dev'], notify: 'osc777' });
    h.chat.deliver('dev', 'bob', 'me: review?');
    await h.until(() =>
      expect(notifications(h!)).toEqual(['777;notify;chat-tui: bob in #dev;me: review?']),
    );
    h.chat.deliver('lobby', 'carol', 'me, lunch?'); // in view: the bell only
    await h.until((f) => expect(plain(f)).toContain('me, lunch?'));
    expect(h.bells()).toBe(2);
    h.chat.deliver('dev', 'bob', 'not about anyone'); // not a mention
    h.chat.openedBy('alice', ['psst']);
    await h.until((f) => expect(tabs(f)).toContain('@alice 1 (1)'));
    expect(notifications(h)).toEqual([
      '777;notify;chat-tui: bob in #dev;me: review?',
      '777;notify;chat-tui: alice (direct);psst',
    ]);
    expect(h.bells()).toBe(3);
  });

  it('a conversation opened with several messages rings once, and notifies how many', async () => {
    h = await setup({ rooms: ['lobby'], notify: 'osc777' });
    h.chat.openedBy('alice', ['one', 'two', 'three, me?']);
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@alice 3 (3)'));
    expect(h.bells()).toBe(1);
    expect(notifications(h)).toEqual(['777;notify;chat-tui: 3 messages for you;alice (direct): 3']);
  });

  it('what a reconnect recovers rings once, after the resume, however much it is', async () => {
    h = await setup({ rooms: ['lobby', 'dev', 'ops'], notify: 'osc777' });
    h.chat.setState({ kind: 'reconnecting', attempt: 1, inMs: 0, reason: 'chat-1 went away' });
    let resumed!: () => void;
    h.chat.resumeUntil(new Promise<void>((r) => (resumed = r)));
    h.chat.setState({
      kind: 'connected',
      server: h.chat.server,
      instanceId: 'chat-2',
      bootId: 'b2',
    });
    // The resume brings what was missed: mentions in two rooms, DMs, chatter, and the room in view.
    for (let i = 1; i <= 5; i++) h.chat.deliver('dev', 'bob', `me: missed ${i}`);
    h.chat.deliver('ops', 'carol', 'me, the pager?');
    h.chat.deliver('ops', 'carol', 'nobody named');
    h.chat.deliver('lobby', 'dan', 'me: in view');
    h.chat.openedBy('erin', ['while you were gone', 'and again']);
    await h.until((f) => expect(tabs(f)).toContain('4:@erin 2 (2)'));
    expect(h.bells()).toBe(0);
    expect(notifications(h)).toEqual([]);
    resumed();
    await h.until(() => expect(h!.bells()).toBe(1));
    // Those on screen are seen: only the rest are told, most first.
    expect(notifications(h)).toEqual([
      '777;notify;chat-tui: 8 messages for you;bob in #dev: 5, erin (direct): 2, carol in #ops: 1',
    ]);
    // Caught up: each rings as it comes again.
    h.chat.deliver('ops', 'carol', 'me: live again');
    await h.until(() => expect(h!.bells()).toBe(2));
    expect(notifications(h).at(-1)).toBe('777;notify;chat-tui: carol in #ops;me: live again');
  });

  it('a reconnect whose summary is refused while connected still rings what its resume brought', async () => {
    h = await setup({ rooms: ['lobby', 'dev'] });
    h.chat.setState({ kind: 'reconnecting', attempt: 1, inMs: 0, reason: 'chat-1 went away' });
    h.chat.marksError = 'storage is unavailable right now';
    h.chat.setState({
      kind: 'connected',
      server: h.chat.server,
      instanceId: 'chat-2',
      bootId: 'b2',
    });
    h.chat.deliver('dev', 'bob', 'me: you missed this');
    await h.until(() => expect(h!.bells()).toBe(1));
    h.chat.deliver('dev', 'bob', 'me: and this, live');
    await h.until(() => expect(h!.bells()).toBe(2));
  });

  it('a mention the server listed before it arrived still rings when it does', async () => {
    // The summary a reconnect asks for can list a mention the rooms' resume has not brought yet.
    const ts = T0 + 60_000;
    const early = { id: `${ts}-1`, seq: 1, room: 'dev', from: 'bob', text: 'me: ping', ts };
    h = await setup({
      rooms: ['lobby', 'dev'],
      before: (chat) => {
        chat.marks = { rooms: [], unread: [], mentions: [{ ...early, kind: 'text' }] };
      },
    });
    expect(h.store.recentMentions.map((m) => m.text)).toEqual(['me: ping']);
    expect(h.bells()).toBe(0);
    h.chat.deliver('dev', 'bob', 'me: ping');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 1 (1)'));
    expect(h.bells()).toBe(1);
    expect(h.store.recentMentions).toHaveLength(1); // listed once
  });

  it('osc9: one field, the sender and the text', async () => {
    h = await setup({ rooms: ['lobby', 'dev'], notify: 'osc9' });
    h.chat.deliver('dev', 'bob', '@me ping');
    await h.until(() => expect(notifications(h!)).toEqual(['9;chat-tui: bob in #dev: @me ping']));
  });

  it('remote text in a notification cannot end the sequence or run commands', async () => {
    h = await setup({ rooms: ['lobby', 'dev'], notify: 'osc777' });
    const hostile = `me \x07\x1b]52;c;ZXZpbA==\x07 x;y\x1b\\ ${'long '.repeat(100)}`;
    h.chat.deliver('dev', 'bob', hostile);
    await h.until(() => expect(notifications(h!)).toHaveLength(1));
    const [n] = notifications(h);
    // Exactly one sequence: no ESC, BEL or other control inside; `;` only as the separators.
    // eslint-disable-next-line no-control-regex
    expect(n).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(n!.split(';')).toHaveLength(4);
    expect(n!.length).toBeLessThan(260);
    expect(n).toContain('^G^[]52,c,ZXZpbA==^G x,y^[\\');
  });

  it('notifySequence bounds title and body and writes nothing when off', () => {
    expect(notifySequence('off', 't', 'b')).toBe('');
    const s = notifySequence('osc9', 'x'.repeat(500), 'y\n'.repeat(500));
    expect(s.length).toBeLessThan(230);
    expect(s.startsWith('\x1b]9;')).toBe(true);
    expect(s.endsWith('\x07')).toBe(true);
    // eslint-disable-next-line no-control-regex
    expect(s.slice(1, -1)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });
});
