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
