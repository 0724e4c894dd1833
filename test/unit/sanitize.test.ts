import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { sanitizeInline, sanitizeText } from '../../src/cli/sanitize.js';

/** A surrogate without its partner (in unicode mode, a paired one is one code point). */
const loneSurrogate = (s: string): boolean => /\p{Cs}/u.test(s);

/** Seeded, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

// ZWJ emoji sequences are kept whole (their joiners are part of the emoji).
const PIECES = [
  'a',
  'Z',
  ' ',
  '😀',
  '漢',
  'e\u0301',
  '🇫🇷',
  'ß',
  '\u{1F44D}\u{1F3FD}',
  '\u{1F469}\u200D\u{1F467}',
  '\u{1F3F3}\uFE0F\u200D\u{1F308}',
];

describe('sanitize cuts by width, between graphemes', () => {
  it('never splits a surrogate pair, emoji sequence or accent, and fits the width', () => {
    const next = random(11);
    for (let run = 0; run < 500; run++) {
      let text = '';
      const n = 1 + Math.floor(next() * 60);
      for (let i = 0; i < n; i++) text += PIECES[Math.floor(next() * PIECES.length)]!;
      const max = 2 + Math.floor(next() * 30);
      for (const out of [
        sanitizeInline(text, max),
        sanitizeText(text, { maxLineLength: max, maxLines: 1 }),
      ]) {
        expect(loneSurrogate(out), JSON.stringify(out)).toBe(false);
        expect(stringWidth(out)).toBeLessThanOrEqual(max);
        if (out !== text) {
          expect(out.endsWith('…')).toBe(true);
          // What is kept is a prefix of whole graphemes of the original.
          expect(text.startsWith(out.slice(0, -1))).toBe(true);
          const kept = [
            ...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(out.slice(0, -1)),
          ];
          const orig = [
            ...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text),
          ];
          expect(kept.map((s) => s.segment)).toEqual(
            orig.slice(0, kept.length).map((s) => s.segment),
          );
        }
      }
    }
  });

  it('a name of emoji is cut to its width, not its UTF-16 length', () => {
    expect(sanitizeInline('😀'.repeat(40), 10)).toBe(`${'😀'.repeat(4)}…`);
    expect(sanitizeInline('ab😀', 4)).toBe('ab😀');
    expect(sanitizeInline('abc😀', 4)).toBe('abc…');
    expect(sanitizeInline('漢字'.repeat(10), 7)).toBe('漢字漢…');
  });
});
