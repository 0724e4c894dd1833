import { describe, expect, it } from 'vitest';
import { LocalLines } from '../../src/cli/tui/state/local-lines.js';

describe("the client's own lines of a room", () => {
  it('are kept in drawing order: one told late goes where and when it happened', () => {
    const lines = new LocalLines();
    lines.add('r', 'info', 'before any message', 1, undefined);
    lines.add('r', 'info', 'carol joined', 5, '10-0');
    lines.add('r', 'info', 'after the next message', 7, '20-0');
    // Told at the end of its grace: bob left at 3, after message 10-0.
    lines.add('r', 'info', 'bob left', 3, '10-0');
    expect(lines.get('r')!.map((l) => l.text)).toEqual([
      'before any message',
      'bob left',
      'carol joined',
      'after the next message',
    ]);
  });
});
