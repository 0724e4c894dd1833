import { describe, expect, it } from 'vitest';
import { SeqFlags } from '../../src/admin/loadtest/seq-flags.js';

describe('SeqFlags', () => {
  it('keeps each seq its own flags, growing both ways, and knows nothing of others', () => {
    const f = new SeqFlags();
    expect(f.get(5)).toBe(0);
    f.add(1000, 1);
    f.add(1000, 2);
    f.add(5000, 1); // far ahead
    f.add(3, 2); // far behind the first
    f.add(0, 1);
    expect(f.get(1000)).toBe(3);
    expect(f.get(5000)).toBe(1);
    expect(f.get(3)).toBe(2);
    expect(f.get(0)).toBe(1);
    for (const seq of [1, 2, 4, 999, 1001, 4999, 5001, 1_000_000]) expect(f.get(seq)).toBe(0);
    const all = new SeqFlags();
    for (let s = 1; s <= 3000; s++) all.add(s, s % 3 === 0 ? 2 : 1);
    for (let s = 1; s <= 3000; s++) expect(all.get(s)).toBe(s % 3 === 0 ? 2 : 1);
  });
});
