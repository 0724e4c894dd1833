import { describe, expect, it } from 'vitest';
import { RoomState } from '../../src/client/room-state.js';
import type { ChatMessage } from '../../src/protocol/index.js';

const msg = (seq: number, ms = 1000 + seq): ChatMessage => ({
  id: `${ms}-0`,
  seq,
  room: 'r',
  from: 'u',
  text: `m${seq}`,
  ts: ms,
  kind: 'text',
});

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

  it('forgets typing users after their expiry', () => {
    const r = new RoomState('r');
    r.typing.set('ann', 2000);
    r.typing.set('bob', 500);
    expect(r.typingUsers(1000)).toEqual(['ann']);
  });
});
