import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, setup, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

const FAMILY = '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';
const RAINBOW = '\u{1F3F3}\uFE0F\u200D\u{1F308}';

describe('emoji sequences', () => {
  it('show ZWJ emoji as they are; lone zero-width and bidi characters stay visible', async () => {
    h = await setup();
    h.chat.deliver('lobby', 'alice', `family ${FAMILY} and ${RAINBOW} flag`);
    h.chat.deliver('lobby', 'bob', 'lone\u200Djoiner and \u202Eevil');
    await h.until((f) => {
      expect(f).toContain(`alice: family ${FAMILY} and ${RAINBOW} flag`);
      expect(f).toContain('bob: lone<U+200D>joiner and <U+202E>evil');
    });
    expect(h.frame()).not.toContain('\u{1F469}<U+200D>');
  });

  it('a long run of emoji wraps between characters, never inside one (flags, skin tones)', async () => {
    h = await setup({ columns: 40, rows: 20 });
    const flags = '🇯🇵'.repeat(25);
    const thumbs = '👍🏽'.repeat(25);
    h.chat.deliver('lobby', 'bob', `${flags}|${thumbs}|end`);
    await h.until((f) => expect(f).toContain('|end'));
    const rows = h.frame().split('\n');
    const regional = /[\u{1F1E6}-\u{1F1FF}]/gu;
    let flagsSeen = 0;
    let thumbsSeen = 0;
    for (const row of rows) {
      // A row holds whole flags (pairs of regional indicators), each skin tone after its hand.
      expect((row.match(regional) ?? []).length % 2, row).toBe(0);
      expect(row, row).not.toMatch(/(^|[^\u{1F44D}])\u{1F3FD}/u);
      expect(row, row).not.toMatch(/\u{1F44D}(?!\u{1F3FD})/u);
      flagsSeen += (row.match(/🇯🇵/gu) ?? []).length;
      thumbsSeen += (row.match(/👍🏽/gu) ?? []).length;
    }
    // Every one of them is drawn, over several rows.
    expect([flagsSeen, thumbsSeen]).toEqual([25, 25]);
    expect(rows.filter((r) => r.includes('🇯🇵')).length).toBeGreaterThan(1);
  });

  it('the input line moves and deletes by grapheme', async () => {
    h = await setup();
    h.key(`a${FAMILY}b`);
    await h.until((f) => expect(f).toContain(`#lobby> a${FAMILY}b`));
    h.key(KEYS.left);
    h.key(KEYS.left); // one step over the whole family
    h.key('X');
    await h.until((f) => expect(f).toContain(`#lobby> aX${FAMILY}b`));
    h.key(KEYS.right);
    h.key(KEYS.backspace); // deletes the family, not its last code point
    await h.until((f) => expect(f).toContain('#lobby> aXb'));
    h.key(`${RAINBOW}e\u0301`);
    h.key(KEYS.backspace); // the accented e goes whole
    h.key(KEYS.enter);
    await h.until(() => expect(h!.chat.sent.map((s) => s.text)).toEqual([`aX${RAINBOW}b`]));
  });
});
