import { afterEach, describe, expect, it } from 'vitest';
import { MIN_COLUMNS, MIN_ROWS } from '../../src/cli/tui/components/App.js';
import { KEYS, setup, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

const rowsOf = (f: string): string[] => f.split('\n');

describe('a terminal below the smallest size', () => {
  it('at 20x6 says it is too small, takes no typing, and comes back whole when resized', async () => {
    h = await setup({ columns: 80, rows: 24 });
    await h.until((f) => expect(f).toContain('#lobby>'));
    h.resize(20, 6);
    await h.until((f) => {
      // One message, wrapped to the width, nothing else (no half-drawn input line).
      expect(rowsOf(f).join(' ').replace(/ +/g, ' ')).toContain(
        `terminal too small (20x6; needs at least ${MIN_COLUMNS}x${MIN_ROWS})`,
      );
      expect(f).not.toContain('#lobby');
    });
    for (const row of rowsOf(h.frame())) expect(row.length).toBeLessThanOrEqual(20);
    expect(rowsOf(h.frame()).length).toBeLessThanOrEqual(6);
    // What is typed meanwhile is not taken into a line nobody can see.
    h.key('hidden');
    h.key(KEYS.enter);
    h.chat.deliver('lobby', 'bob', 'sent while it was small');

    h.resize(MIN_COLUMNS, MIN_ROWS);
    await h.until((f) => {
      const rows = rowsOf(f);
      expect(rows).toHaveLength(MIN_ROWS);
      expect(rows.at(-1)).toBe('#lobby>');
      expect(f).toContain('sent while it was');
      expect(f).not.toContain('too small');
    });
    for (const row of rowsOf(h.frame())) expect(row.length).toBeLessThanOrEqual(MIN_COLUMNS);
    expect(h.chat.sent).toEqual([]);

    // One row fewer is too small again.
    h.resize(MIN_COLUMNS, MIN_ROWS - 1);
    await h.until((f) => expect(f).toContain('too small'));
  });
});
