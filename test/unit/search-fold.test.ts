import { describe, expect, it } from 'vitest';
import { searchFold } from '../../src/server/rooms/edits.js';

describe('what search compares', () => {
  it('sets case and accents aside, and makes written forms of one text one', () => {
    const text = searchFold('ÄRGER straße İstanbul café e\u0301te\u0301 ﬁne 👍🏽 ok');
    for (const needle of ['istanbul', 'STRASSE', 'ärger', 'arger', 'CAFE', 'été', 'ete', 'fine']) {
      expect(text.includes(searchFold(needle)), needle).toBe(true);
    }
    expect(text.includes(searchFold('👍🏽 OK'))).toBe(true);
    expect(text.includes(searchFold('cafes'))).toBe(false);
    expect(searchFold('Plain ASCII')).toBe('plain ascii');
  });
});
