import { afterEach, describe, expect, it } from 'vitest';
import { T0 } from './fake-chat.js';
import { setup, type Harness, plain } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

const count = (f: string, text: string): number => plain(f).split(text).length - 1;

describe('/away and /back', () => {
  it('/away sets the message, /away alone and /back clear it, each said in the pane', async () => {
    h = await setup({ rooms: ['lobby'] });
    await h.enter('/away lunch, back at 2');
    await h.until((f) =>
      expect(plain(f)).toContain('you are away: lunch, back at 2 (/back to clear)'),
    );
    expect(h.chat.awayStates.get('me')?.message).toBe('lunch, back at 2');
    await h.enter('/back');
    await h.until((f) => expect(plain(f)).toContain('you are back: no longer marked away'));
    expect(h.chat.awayStates.has('me')).toBe(false);
    await h.enter('/away gone');
    await h.until(() => expect(h!.chat.awayStates.has('me')).toBe(true));
    await h.enter('/away');
    await h.until((f) => expect(count(f, 'you are back')).toBe(2));
    expect(h.chat.awayStates.has('me')).toBe(false);
  });

  it('a refusal, or a message over the limit, is a red line and changes nothing', async () => {
    h = await setup({ rooms: ['lobby'] });
    await h.enter(`/away ${'x'.repeat(201)}`);
    await h.until((f) =>
      expect(plain(f)).toContain('an away message holds at most 200 characters'),
    );
    h.chat.awayError = 'not connected';
    await h.enter('/away brb');
    await h.until((f) => expect(plain(f)).toContain('cannot set away: not connected'));
    expect(h.chat.awayStates.size).toBe(0);
  });

  it('/who lists who of the members is away', async () => {
    h = await setup({ rooms: ['lobby'] });
    const lobby = h.chat.rooms.get('lobby')!;
    lobby.members = ['me', 'bob', 'carol'];
    lobby.memberCount = 3;
    h.chat.awayStates.set('bob', { user: 'bob', message: 'in a meeting', since: T0 });
    await h.enter('/who');
    await h.until((f) => {
      expect(plain(f)).toContain('3 in #lobby: bob, carol, me');
      expect(plain(f)).toContain('away: bob (in a meeting)');
    });
    expect(h.chat.awayAsked).toEqual([['bob', 'carol', 'me']]);
  });

  it('writing to someone away: a notice in the conversation, once per away period', async () => {
    h = await setup({ rooms: ['lobby'] });
    h.chat.awayStates.set('bob', { user: 'bob', message: 'on holiday', since: T0 });
    await h.enter('/msg bob are you there?');
    await h.until((f) => expect(plain(f)).toContain('bob is away: on holiday'));
    await h.enter('hello?');
    await h.until(() => expect(h!.chat.awayAsked).toHaveLength(2));
    await h.until((f) => expect(plain(f)).toContain('me: hello?'));
    expect(count(h.frame(), 'bob is away')).toBe(1);
    // Back, then away again: a new period, told again.
    h.chat.awayStates.set('bob', { user: 'bob', message: 'out again', since: T0 + 1 });
    await h.enter('ping');
    await h.until((f) => expect(plain(f)).toContain('bob is away: out again'));
    // Not away: nothing; a room is never asked about.
    h.chat.awayStates.delete('bob');
    await h.enter('pong');
    await h.until(() => expect(h!.chat.awayAsked).toHaveLength(4));
    h.key('\x1b1');
    await h.until((f) => expect(plain(f)).toContain('#lobby>'));
    await h.enter('in the room');
    await h.until(() => expect(h!.chat.sent.at(-1)?.text).toBe('in the room'));
    expect(h.chat.awayAsked).toHaveLength(4);
    expect(count(h.frame(), 'is away')).toBe(0);
  });
});
