import { EventEmitter } from 'node:events';
import { Text, useStdin } from 'ink';
import { render } from 'ink-testing-library';
import { useEffect } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KEYS, setup, type Harness } from './harness.js';

/**
 * Keys that arrive in one read (a burst over ssh, a busy client, `tmux send-keys 'abcd'
 * BSpace 'e'`) each do what they do when typed one by one.
 */

let h: Harness | undefined;
afterEach(() => h?.unmount());

const input = (f: string): string => f.split('\n').at(-1) ?? '';

describe('keys in one read', () => {
  it("'abcd' Backspace 'e' in one read is abce", async () => {
    h = await setup();
    h.key('abcd\x7fe');
    await h.until((f) => expect(input(f)).toBe('#lobby> abce'));
    h.key(KEYS.enter);
    await h.until(() => expect(h!.chat.sent.map((s) => s.text)).toEqual(['abce']));
  });

  it('Ctrl-W (and Alt-Backspace), Ctrl-U, Ctrl-A and Enter inside a burst', async () => {
    h = await setup();
    // Alt-Backspace (ESC DEL, as xterm and tmux send it) deletes a word as Ctrl-W does.
    h.key('hello there\x1b\x7f|');
    await h.until((f) => expect(input(f)).toBe('#lobby> hello |'));
    h.key('\x15');
    h.key('hello wrold\x17world');
    await h.until((f) => expect(input(f)).toBe('#lobby> hello world'));
    h.key('\x15start over\x01> \r');
    await h.until(() => expect(h!.chat.sent.map((s) => s.text)).toEqual(['> start over']));
    // Backspace over an emoji with a skin tone takes all of it, also in a burst.
    h.key('ok 👍🏽👍🏽\x7f!');
    await h.until((f) => expect(input(f)).toBe('#lobby> ok 👍🏽!'));
  });

  it('Alt-Enter and Ctrl-J start a new line; the input grows and Enter sends one message', async () => {
    h = await setup();
    h.key('first line');
    h.key('\x1b\r');
    h.key('second');
    h.key('\n');
    h.key('third');
    await h.until((f) => {
      const rows = f.split('\n').slice(-3);
      expect(rows).toEqual(['#lobby> first line', '      ┆ second', '      ┆ third']);
    });
    // Up moves between its lines before it recalls history.
    h.key(KEYS.up);
    h.key('!');
    await h.until((f) => expect(f.split('\n').at(-2)).toBe('      ┆ secon!d'));
    h.key(KEYS.enter);
    await h.until(() =>
      expect(h!.chat.sent.map((s) => s.text)).toEqual(['first line\nsecon!d\nthird']),
    );
    await h.until((f) => {
      expect(f).toContain('me: first line');
      expect(f).toContain('┆ secon!d');
      expect(input(f)).toBe('#lobby>');
    });
  });

  it('Ink hands a burst over as one raw input event (what useKeys relies on: fails on upgrade)', async () => {
    const seen: string[] = [];
    let emitter: unknown;
    function Probe() {
      const { internal_eventEmitter: events, setRawMode } = useStdin();
      emitter = events;
      useEffect(() => {
        setRawMode(true);
        const on = (s: string): void => void seen.push(s);
        events.on('input', on);
        return () => void events.off('input', on);
      }, [events, setRawMode]);
      return <Text>probe</Text>;
    }
    const app = render(<Probe />);
    try {
      expect(emitter).toBeInstanceOf(EventEmitter);
      app.stdin.write('ab\x7fc\x1b[Ad');
      await vi.waitFor(() => expect(seen).toEqual(['ab\x7fc', '\x1b[A', 'd']));
    } finally {
      app.unmount();
    }
  });
});
