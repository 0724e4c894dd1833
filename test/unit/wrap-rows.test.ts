import wrapAnsi from 'wrap-ansi';
import { describe, expect, it } from 'vitest';
import { wrappedRows } from '../../src/cli/tui/state/wrap-rows.js';

/** Seeded, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const PIECES = [
  'a',
  'word',
  ' ',
  '  ',
  '\n',
  'w'.repeat(37),
  'x'.repeat(130),
  '😀',
  '漢字',
  'e\u0301',
  '🇫🇷',
  '\u{1F469}\u200D\u{1F467}',
  '<U+200B>',
  '^[[31m',
  '┆ ',
];

const inkRows = (text: string, columns: number): number =>
  wrapAnsi(text, columns, { trim: false, hard: true }).split('\n').length;

describe('rows counted as Ink wraps', () => {
  it('agree with wrap-ansi on random text at random widths', () => {
    const next = random(24);
    for (let run = 0; run < 1000; run++) {
      let text = '';
      const n = Math.floor(next() * 40);
      for (let i = 0; i < n; i++) text += PIECES[Math.floor(next() * PIECES.length)]!;
      const columns = 1 + Math.floor(next() * 70);
      expect(wrappedRows(text, columns), JSON.stringify([text, columns])).toBe(
        inkRows(text, columns),
      );
    }
  });

  it('a 4000-character word: its rows, without wrap-ansi’s cost', () => {
    const word = 'w'.repeat(4000);
    expect(wrappedRows(word, 56)).toBe(inkRows(word, 56));
    expect(wrappedRows(`bob: ${word}`, 56)).toBe(Math.ceil(4005 / 56));
  });
});
