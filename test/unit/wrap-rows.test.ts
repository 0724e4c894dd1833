import wrapAnsi from 'wrap-ansi';
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { breakWords, wrappedRows } from '../../src/cli/tui/state/wrap-rows.js';

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
  '🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵',
  '👍🏽👍🏽👍🏽',
  '\u{1F469}\u200D\u{1F467}',
  '<U+200B>',
  '^[[31m',
  '┆ ',
];

const inkRows = (text: string, columns: number): number =>
  wrapAnsi(text, columns, { trim: false, hard: true }).split('\n').length;

describe('rows counted as Ink wraps', () => {
  it('agree with wrap-ansi on random text at random widths, given the text with its words cut', () => {
    const next = random(24);
    for (let run = 0; run < 1000; run++) {
      let text = '';
      const n = Math.floor(next() * 40);
      for (let i = 0; i < n; i++) text += PIECES[Math.floor(next() * PIECES.length)]!;
      const columns = 1 + Math.floor(next() * 70);
      expect(wrappedRows(text, columns), JSON.stringify([text, columns])).toBe(
        inkRows(breakWords(text, columns), columns),
      );
    }
  });

  it('never split a character of several code points across rows', () => {
    const chars = ['🇯🇵', '👍🏽', '🏳️‍🌈', '\u{1F469}\u200D\u{1F467}', 'e\u0301'];
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    for (const ch of chars) {
      for (const columns of [7, 10, 39, 40]) {
        const word = ch.repeat(25);
        const text = `bob: ${word}|${ch.repeat(3)}|end`;
        const rows = wrapAnsi(breakWords(text, columns), columns, { trim: false, hard: true })
          .split('\n')
          .map((r) => r.trimStart());
        expect(rows.length, `${ch} at ${columns}`).toBe(wrappedRows(text, columns));
        for (const row of rows) {
          expect(stringWidth(row), row).toBeLessThanOrEqual(columns);
          // Each row of the word is whole characters of it: no half of one at either end.
          const inWord = row.replace(/^bob: /, '').replace(/\|.*$/, '');
          for (const { segment } of segmenter.segment(inWord)) expect(segment).toBe(ch.normalize());
        }
      }
    }
    // Text of one code point a character is left to wrap-ansi, unchanged.
    expect(breakWords(`bob: ${'漢'.repeat(60)}`, 20)).toBe(`bob: ${'漢'.repeat(60)}`);
  });

  it('a 4000-character word: its rows, without wrap-ansi’s cost', () => {
    const word = 'w'.repeat(4000);
    expect(wrappedRows(word, 56)).toBe(inkRows(word, 56));
    expect(wrappedRows(`bob: ${word}`, 56)).toBe(Math.ceil(4005 / 56));
  });
});
