import { afterEach, describe, expect, it } from 'vitest';
import { setup, type Harness, tabs } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

const rooms = Array.from({ length: 60 }, (_, i) => `room${String(i + 1).padStart(2, '0')}`);
const CTRL_X = '\x18';

describe('many rooms', () => {
  it('scroll the tab bar to the active room, with unread rooms counted beyond the edges', async () => {
    h = await setup({ rooms, columns: 80 });
    await h.until((f) => {
      expect(tabs(f)).toMatch(/^1:#room01 2:#room02 .* >$/);
      expect(tabs(f).length).toBeLessThanOrEqual(80);
    });

    h.chat.deliver('room05', 'alice', 'five');
    h.chat.deliver('room50', 'bob', 'fifty');
    h.chat.deliver('room50', 'bob', 'fifty again');
    h.chat.deliver('room55', 'carol', 'hello me, are you there?');
    await h.until((f) => expect(tabs(f)).toMatch(/5:#room05 1 .* \(2\)>$/));

    await h.enter('/window 45');
    await h.until((f) => {
      const t = tabs(f);
      expect(t).toMatch(/^<\(1\) \d+:#room\d\d /);
      expect(t).toContain('44:#room44 45:#room45 46:#room46');
      expect(t).toMatch(/ \(2\)>$/);
      expect(t.length).toBeLessThanOrEqual(80);
      expect(f).toContain('#room45>');
    });

    // Ctrl-X: the room that names me first, then the others with unread in tab order.
    h.key(CTRL_X);
    await h.until((f) => {
      expect(f).toContain('#room55>');
      expect(f).toContain('carol: hello me');
      expect(tabs(f)).toMatch(/^<\(2\) .*55:#room55 /);
    });
    h.key('\x1ba'); // Alt-A does the same
    await h.until((f) => expect(f).toContain('#room05>'));
    h.key(CTRL_X);
    await h.until((f) => {
      expect(f).toContain('#room50>');
      expect(tabs(f)).not.toContain('(');
    });
    h.key(CTRL_X);
    await h.until((f) => expect(f).toContain('no other room has unread messages'));
  });

  it('keep the active tab in view at 40 columns, and /window refuses what is no tab', async () => {
    h = await setup({ rooms, columns: 40, rows: 12 });
    await h.enter('/window 60');
    await h.until((f) => {
      expect(tabs(f)).toMatch(/^< .*60:#room60$/);
      expect(tabs(f).length).toBeLessThanOrEqual(40);
    });
    await h.enter('/window 61');
    await h.until((f) => {
      expect(f).toContain('usage: /window <number of a tab>');
      expect(f).toContain('(1 to 60)');
    });
    await h.enter('/window 1');
    await h.until((f) => expect(tabs(f)).toMatch(/^1:#room01 .* >$/));
  });
});
