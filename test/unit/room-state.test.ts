import { describe, expect, it } from 'vitest';
import { RoomState } from '../../src/client/room-state.js';
import { chatMessage } from '../helpers/messages.js';

const msg = (seq: number, ms?: number) => chatMessage(seq, ms === undefined ? {} : { ms });

describe('RoomState', () => {
  it('keeps messages in id order, each once, whatever order they arrive in', () => {
    const r = new RoomState('r');
    r.setBase(1);
    for (const s of [3, 1, 2, 3, 5, 4, 1]) r.insert(msg(s));
    expect(r.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(r.contiguousSeq).toBe(5);
    expect(r.resumeFrom()).toBe('1005-0');
  });

  it('orders ids numerically, not as strings', () => {
    const r = new RoomState('r');
    r.setBase(1);
    r.insert({ ...msg(2), id: '10000-0' });
    r.insert({ ...msg(1), id: '9999-5' });
    expect(r.messages.map((m) => m.id)).toEqual(['9999-5', '10000-0']);
  });

  it('resumes from before a hole, not from the newest message', () => {
    const r = new RoomState('r');
    r.setBase(1);
    r.insert(msg(1));
    r.insert(msg(2));
    r.insert(msg(4));
    expect(r.hasHole()).toBe(true);
    expect(r.resumeFrom()).toBe('1002-0');
    r.insert(msg(3));
    expect(r.hasHole()).toBe(false);
    expect(r.resumeFrom()).toBe('1004-0');
  });

  it('starts contiguity at the first page, and resumes an empty room from the start', () => {
    const r = new RoomState('r');
    r.setBase(41);
    expect(r.resumeFrom()).toBe('0-0');
    r.insert(msg(41));
    expect(r.resumeFrom()).toBe('1041-0');
    expect(r.hasHole()).toBe(false);
  });

  it('records a gap the server could not fill, shows it in place, and moves past it', () => {
    const r = new RoomState('r');
    r.setBase(1);
    r.insert(msg(1));
    const gap = r.acceptGap(8);
    expect(gap).toEqual({ afterSeq: 1, missing: 6 });
    r.insert(msg(8));
    expect(r.resumeFrom()).toBe('1008-0');
    expect(
      r.lines().map((l) => (l.kind === 'gap' ? `gap${l.gap.missing}` : l.message.seq)),
    ).toEqual([1, 'gap6', 8]);
    expect(r.acceptGap(9)).toBeNull();
  });

  it('keeps its epoch and messages when an answer has none (a room with no epoch now)', () => {
    const r = new RoomState('r');
    r.adoptEpoch('a');
    r.setBase(1);
    r.insert(msg(1));
    expect(r.adoptEpoch(undefined)).toBe(false);
    expect(r.epoch).toBe('a');
    expect(r.messages.map((m) => m.seq)).toEqual([1]);
    expect(r.gaps).toEqual([]);
  });

  it('forgets typing users after their expiry', () => {
    const r = new RoomState('r');
    r.typing.set('ann', 2000);
    r.typing.set('bob', 500);
    expect(r.typingUsers(1000)).toEqual(['ann']);
  });

  describe('window', () => {
    const seqs = (r: RoomState): number[] => r.messages.map((m) => m.seq);

    it('stays flat in memory with 100k messages through one room', () => {
      const r = new RoomState('r', 500);
      r.setBase(1);
      let seq = 0;
      let taken = 0;
      for (let i = 1; i <= 100_000; i++) {
        // History is lost every 10k (a gap marker), and every message comes again a little
        // later (a resume overlapping live delivery).
        if (i % 10_000 === 0) {
          r.acceptGap(seq + 6);
          seq += 5;
        }
        seq++;
        if (r.insert(msg(seq))) taken++;
        if (seq > 3 && r.insert(msg(seq - 3))) taken++;
      }
      expect(taken).toBe(100_000);
      const f = r.footprint();
      expect(f.messages).toBe(500);
      expect(f.ids).toBe(500);
      expect(f.seqIds).toBe(0);
      expect(f.gaps).toBeLessThanOrEqual(1);
      expect(r.messages.at(-1)!.seq).toBe(100_050);
      expect(r.contiguousSeq).toBe(100_050);
      expect(r.resumeFrom()).toBe(msg(100_050).id);
    });

    it('dedupes messages that already left the window, and those at its edge', () => {
      const r = new RoomState('r', 10);
      r.setBase(1);
      for (let s = 1; s <= 30; s++) r.insert(msg(s));
      expect(seqs(r)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
      for (const s of [1, 19, 20, 21, 30]) expect(r.insert(msg(s))).toBe(false);
      expect(r.messages).toHaveLength(10);
      expect(r.resumeFrom()).toBe('1030-0');
    });

    it('resumes from before a hole the window has moved past, and takes the late message once', () => {
      const r = new RoomState('r', 10);
      r.setBase(1);
      for (let s = 1; s <= 30; s++) if (s !== 6) r.insert(msg(s));
      expect(r.hasHole()).toBe(true);
      expect(r.resumeFrom()).toBe('1005-0');
      // The resume answers from 6 on: 6 is new, the rest were taken (some are out of memory).
      expect(r.insert(msg(6))).toBe(true);
      for (let s = 7; s <= 30; s++) expect(r.insert(msg(s))).toBe(false);
      expect(r.insert(msg(6))).toBe(false);
      expect(r.hasHole()).toBe(false);
      expect(r.resumeFrom()).toBe('1030-0');
      expect(seqs(r)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
      expect(r.footprint().seqIds).toBe(0);
    });

    it('keeps a gap marker while the message after it is in the window, then drops it', () => {
      const r = new RoomState('r', 4);
      r.setBase(1);
      r.insert(msg(1));
      r.acceptGap(5);
      for (let s = 5; s <= 7; s++) r.insert(msg(s));
      r.insert(msg(8)); // 1 leaves: the marker still shows before 5
      const shown = (): (string | number)[] =>
        r.lines().map((l) => (l.kind === 'gap' ? `gap${l.gap.missing}` : l.message.seq));
      expect(shown()).toEqual(['gap3', 5, 6, 7, 8]);
      r.insert(msg(9));
      expect(shown()).toEqual([6, 7, 8, 9]);
      expect(r.gaps).toHaveLength(0);
    });

    it('takes older history on scroll-back in front of the window and keeps it a while', () => {
      const r = new RoomState('r', 5);
      r.setBase(1);
      for (let s = 1; s <= 20; s++) r.insert(msg(s));
      expect(seqs(r)).toEqual([16, 17, 18, 19, 20]);
      const page = [11, 12, 13, 14, 15].map((s) => msg(s));
      expect(r.insertOlder(page).map((m) => m.seq)).toEqual([11, 12, 13, 14, 15]);
      expect(r.insertOlder(page)).toEqual([]);
      expect(seqs(r)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
      // A live message does not take the page back at once, nor does a repeat of it count.
      expect(r.insert(msg(21))).toBe(true);
      expect(r.insert(msg(12))).toBe(false);
      expect(seqs(r)[0]).toBe(12);
      // Never more than twice the window, however far back the user scrolls.
      for (let s = 10; s >= 1; s--) r.insertOlder([msg(s)]);
      expect(r.messages.length).toBeLessThanOrEqual(10);
      expect(r.messages.at(-1)!.seq).toBe(21);
      expect(r.resumeFrom()).toBe('1021-0');
    });

    it('starts again at seq 1 after an epoch reset, even past the window', () => {
      const r = new RoomState('r', 10);
      r.adoptEpoch('a');
      r.setBase(1);
      for (let s = 1; s <= 50; s++) r.insert(msg(s));
      expect(r.adoptEpoch('b')).toBe(true);
      r.setBase(1);
      // The new history reuses seqs (and could reuse ids) the old epoch saw.
      for (let s = 1; s <= 3; s++) expect(r.insert(msg(s, 5000 + s))).toBe(true);
      expect(seqs(r)).toEqual([1, 2, 3]);
      expect(r.resumeFrom()).toBe('5003-0');
      for (let i = 0; i < 2000; i++) r.hold(msg(i));
      expect(r.footprint().held).toBe(1000);
    });

    it('refuses a window that is not a positive whole number', () => {
      expect(() => new RoomState('r', 0)).toThrow(/window/);
      expect(() => new RoomState('r', 1.5)).toThrow(/window/);
    });
  });
});
