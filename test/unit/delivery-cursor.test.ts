import { describe, expect, it } from 'vitest';
import { SeqCursor } from '../../src/client/delivery/seq-cursor.js';

const id = (seq: number): string => `${1000 + seq}-0`;

/** A cursor based at `first` that took `seqs` in that order; returns it and what was new. */
function took(first: number, seqs: number[]): { c: SeqCursor; fresh: number[] } {
  const c = new SeqCursor();
  c.adoptEpoch('e1');
  c.setBase(first);
  const fresh = seqs.filter((s) => c.take(s, id(s)));
  return { c, fresh };
}

describe('SeqCursor', () => {
  it('takes the id of its place from a join that brought nothing newer, only for its own seq', () => {
    const c = new SeqCursor();
    c.setBase(8);
    expect(c.resumeFrom()).toBe('0-0');
    c.placeAt(6, '1006-0');
    expect(c.resumeFrom()).toBe('0-0');
    c.placeAt(7, '1007-0');
    expect(c.resumeFrom()).toBe('1007-0');
    expect(c.take(8, '1008-0')).toBe(true);
    expect(c.resumeFrom()).toBe('1008-0');
  });

  it('moves its place over contiguous seqs and resumes from the newest of them', () => {
    const { c, fresh } = took(1, [1, 2, 3]);
    expect(fresh).toEqual([1, 2, 3]);
    expect(c.contiguousSeq).toBe(3);
    expect(c.resumeFrom()).toBe(id(3));
    expect(c.hasHole()).toBe(false);
  });

  it('takes each seq once, however often and in whatever order it comes', () => {
    const { c, fresh } = took(1, [3, 1, 2, 3, 5, 4, 1, 5, 2]);
    expect(fresh).toEqual([3, 1, 2, 5, 4]);
    expect(c.contiguousSeq).toBe(5);
    expect(c.aheadCount).toBe(0);
  });

  it('sees a gap: resumes from before the hole until it is filled', () => {
    const { c } = took(1, [1, 2, 4, 5]);
    expect(c.hasHole()).toBe(true);
    expect(c.resumeFrom()).toBe(id(2));
    expect(c.aheadCount).toBe(2);
    expect(c.take(3, id(3))).toBe(true);
    expect(c.hasHole()).toBe(false);
    expect(c.resumeFrom()).toBe(id(5));
  });

  it('owes nothing before its base, and an empty room resumes from the start', () => {
    const c = new SeqCursor();
    c.setBase(41);
    expect(c.resumeFrom()).toBe('0-0');
    expect(c.has(40)).toBe(true);
    expect(c.take(12, id(12))).toBe(false);
    expect(c.take(41, id(41))).toBe(true);
    expect(c.resumeFrom()).toBe(id(41));
    c.setBase(100); // only the first base of an epoch counts
    expect(c.contiguousSeq).toBe(41);
  });

  it('places messages taken before the base once it is known', () => {
    const c = new SeqCursor();
    expect(c.take(7, id(7))).toBe(true);
    expect(c.take(7, id(7))).toBe(false);
    expect(c.hasHole()).toBe(false); // no base, no hole
    c.setBase(6);
    expect(c.take(6, id(6))).toBe(true);
    expect(c.contiguousSeq).toBe(7);
    expect(c.resumeFrom()).toBe(id(7));
  });

  it('moves past history the server no longer keeps (truncation), once', () => {
    const { c } = took(1, [1, 2, 8, 9]);
    expect(c.acceptGap(8)).toEqual({ afterSeq: 2, missing: 5 });
    expect(c.contiguousSeq).toBe(9);
    expect(c.resumeFrom()).toBe(id(9));
    expect(c.hasHole()).toBe(false);
    expect(c.acceptGap(8)).toBeNull();
    expect(c.acceptGap(10)).toBeNull(); // nothing between 9 and 10
  });

  it('keeps the id of a message it passed when skipping to just after it', () => {
    const { c } = took(1, [1, 5]);
    expect(c.acceptGap(6)).toEqual({ afterSeq: 1, missing: 4 });
    expect(c.resumeFrom()).toBe(id(5));
  });

  it('records no gap before it has a base', () => {
    expect(new SeqCursor().acceptGap(10)).toBeNull();
  });

  describe('epochs', () => {
    it('takes the first epoch, keeps it when an answer repeats it or has none', () => {
      const c = new SeqCursor();
      expect(c.adoptEpoch(undefined)).toBe(false);
      expect(c.epoch).toBeUndefined();
      expect(c.adoptEpoch('a')).toBe(false);
      c.setBase(1);
      c.take(1, id(1));
      expect(c.adoptEpoch('a')).toBe(false);
      expect(c.adoptEpoch(undefined)).toBe(false);
      expect(c.epoch).toBe('a');
      expect(c.resumeFrom()).toBe(id(1));
    });

    it('starts over on another epoch: seqs of the new history are new again', () => {
      const { c } = took(1, [1, 2, 3, 5]);
      expect(c.adoptEpoch('e2')).toBe(true);
      expect(c.epoch).toBe('e2');
      expect(c.based).toBe(false);
      expect(c.resumeFrom()).toBe('0-0');
      expect(c.aheadCount).toBe(0);
      c.setBase(1);
      expect(c.take(1, '9000-0')).toBe(true);
      expect(c.resumeFrom()).toBe('9000-0');
    });

    it('tells a live message of another epoch from one of its own', () => {
      const c = new SeqCursor();
      expect(c.isOtherEpoch('a')).toBe(false); // none held yet
      c.adoptEpoch('a');
      expect(c.isOtherEpoch('a')).toBe(false);
      expect(c.isOtherEpoch(undefined)).toBe(false); // an old server leaves it out
      expect(c.isOtherEpoch('b')).toBe(true);
    });
  });

  it('holds only a hole’s worth of bookkeeping through a long run', () => {
    const c = new SeqCursor();
    c.setBase(1);
    for (let s = 1; s <= 100_000; s++) {
      c.take(s + 1, id(s + 1)); // always one ahead, then the one before it
      c.take(s, id(s));
    }
    expect(c.contiguousSeq).toBe(100_001);
    expect(c.aheadCount).toBe(0);
  });
});
