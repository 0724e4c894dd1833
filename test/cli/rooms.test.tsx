import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, setup, type Harness, tabs } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

describe('room tabs', () => {
  it('count unread messages in other rooms and clear them on switching', async () => {
    h = await setup({ rooms: ['lobby', 'dev', 'ops'] });
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 3:#ops'));
    expect(h.frame()).toContain('#lobby>');

    h.chat.deliver('dev', 'alice', 'build is green');
    h.chat.deliver('dev', 'alice', 'shipping');
    h.chat.deliver('ops', 'bob', 'pager is quiet');
    h.chat.deliver('lobby', 'carol', 'here in the lobby');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 2 3:#ops 1'));
    expect(h.frame()).toContain('carol: here in the lobby');
    expect(h.frame()).not.toContain('shipping');

    h.key(KEYS.ctrlN);
    await h.until((f) => {
      expect(tabs(f)).toBe('1:#lobby 2:#dev 3:#ops 1');
      expect(f).toContain('alice: shipping');
      expect(f).toContain('#dev>');
    });

    // Messages to the room on screen are read as they come.
    h.chat.deliver('dev', 'alice', 'done');
    await h.until((f) => expect(f).toContain('alice: done'));
    expect(tabs(h.frame())).toBe('1:#lobby 2:#dev 3:#ops 1');

    h.key(KEYS.alt(3));
    await h.until((f) => {
      expect(tabs(f)).toBe('1:#lobby 2:#dev 3:#ops');
      expect(f).toContain('bob: pager is quiet');
    });

    h.key(KEYS.ctrlN); // wraps around
    await h.until((f) => expect(f).toContain('#lobby>'));
    h.key(KEYS.ctrlP);
    await h.until((f) => expect(f).toContain('#ops>'));
  });
});
