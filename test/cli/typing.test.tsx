import { afterEach, describe, expect, it } from 'vitest';
import { T0 } from './fake-chat.js';
import { KEYS, setup, type Harness } from './harness.js';

/** "x is typing…": announced for messages only, and taken back whenever it stops being true. */

let h: Harness | undefined;
afterEach(() => h?.unmount());

describe('typing notices', () => {
  it('are never sent for a slash command', async () => {
    h = await setup();
    h.key('/');
    h.key('msg bob a secret');
    await h.until((f) => expect(f).toContain('#lobby> /msg bob a secret'));
    h.key(KEYS.ctrlU);
    await h.enter('/join dev');
    await h.until((f) => expect(f).toContain('#dev>'));
    expect(h.chat.typingLog).toEqual([]);
    // `//` sends a message that starts with `/`: that is typing.
    h.key('//not a command');
    await h.until(() => expect(h!.chat.typingLog).toEqual(['dev:on']));
    // Turned into a command (Ctrl-A, /): it is taken back.
    h.key('\x01\x17/me');
    await h.until((f) => expect(f).toContain('#dev> /me'));
    await h.until(() => expect(h!.chat.typingLog).toEqual(['dev:on', 'dev:off']));
  });

  it('are taken back when the message is sent, when the user leaves the room or quits', async () => {
    h = await setup({ rooms: ['lobby', 'dev'] });
    await h.enter('hello');
    await h.until(() => expect(h!.chat.typingLog).toEqual(['lobby:on', 'lobby:off']));
    h.chat.typingLog.length = 0;
    // Switching rooms with a draft: the room that was told hears it stopped.
    h.key('draft');
    h.key(KEYS.ctrlN);
    await h.until((f) => expect(f).toContain('#dev> draft'));
    expect(h.chat.typingLog).toEqual(['lobby:on', 'lobby:off']);
    h.key('!');
    await h.until(() => expect(h!.chat.typingLog.at(-1)).toBe('dev:on'));
    // A /leave typed over it: the room it leaves hears it stopped.
    h.key(KEYS.ctrlU);
    h.key('more');
    await h.until((f) => expect(f).toContain('#dev> more'));
    h.chat.typingLog.length = 0;
    await h.store.leave('dev');
    expect(h.chat.typingLog).toEqual(['dev:off']);
    h.key('bye');
    await h.until(() => expect(h!.chat.typingLog.at(-1)).toBe('lobby:on'));
    h.key(KEYS.ctrlC);
    await h.until(() => expect(h!.chat.typingLog.at(-1)).toBe('lobby:off'));
  });

  it('of others are not shown while the connection is down (a rejoin: test/integration/tui-store.test.ts)', async () => {
    h = await setup();
    h.chat.rooms.get('lobby')!.typing.set('bob', T0 + 5000);
    h.chat.deliver('lobby', 'bob', 'hi');
    await h.until((f) => expect(f).toContain('bob is typing…'));
    h.chat.setState({ kind: 'reconnecting', attempt: 1, inMs: 1000, reason: 'transport close' });
    await h.until((f) => expect(f).not.toContain('bob is typing…'));
  });
});
