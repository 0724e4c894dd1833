import { describe, expect, it } from 'vitest';
import { RoomState } from '../../src/client/room-state.js';
import type { ChatMessage } from '../../src/protocol/index.js';
import { chatMessage } from '../helpers/messages.js';

const msg = (seq: number): ChatMessage => chatMessage(seq);
/** An edit (or delete) entry with sequence number `seq` of the message with `target`'s seq. */
const change = (seq: number, target: number, text: string | null): ChatMessage => ({
  ...chatMessage(seq),
  kind: text === null ? 'delete' : 'edit',
  text: text ?? '',
  ref: chatMessage(target).id,
});
const shown = (r: RoomState): string[] =>
  r.messages.map((m) => (m.deleted ? `${m.seq}:<deleted>` : `${m.seq}:${m.text}`));

describe('RoomState and edits', () => {
  it('takes a change in sequence but shows it only in its message, once, in place', () => {
    const r = new RoomState('r');
    r.setBase(1);
    for (const m of [msg(1), msg(2), change(3, 1, 'one, edited'), msg(4)]) r.insert(m);
    expect(shown(r)).toEqual(['1:one, edited', '2:m2', '4:m4']);
    expect(r.contiguousSeq).toBe(4);
    expect(r.messages[0]!.rev).toBe(chatMessage(3).id);
    // The same entry again (a resume overlapping the live one) is a duplicate.
    expect(r.insert(change(3, 1, 'one, edited'))).toBe(false);
    r.insert(change(5, 2, null));
    expect(shown(r)).toEqual(['1:one, edited', '2:<deleted>', '4:m4']);
    expect(r.messages[1]!.text).toBe('');
  });

  it('ends in the newest state whatever order the changes arrive in', () => {
    const r = new RoomState('r');
    r.setBase(1);
    r.insert(msg(1));
    // The newer edit arrives first (past a hole), then the older one fills it.
    r.insert(change(3, 1, 'second'));
    r.insert(change(2, 1, 'first'));
    expect(shown(r)).toEqual(['1:second']);
    expect(r.contiguousSeq).toBe(3);
    // A page folded by the server carries the newest state on the older entry: no change.
    r.insertOlder([{ ...change(2, 1, 'second'), rev: chatMessage(3).id }]);
    expect(shown(r)).toEqual(['1:second']);
  });

  it('holds a change of a message it does not hold until that message is placed', () => {
    const r = new RoomState('r');
    r.setBase(10);
    r.insert(msg(10));
    // The edit of message 5 (older than the window) arrives live.
    r.insert(change(11, 5, 'old one, edited'));
    expect(shown(r)).toEqual(['10:m10']);
    expect(r.footprint().changes).toBe(1);
    // Scrolling back brings message 5 as the server read it before the edit.
    r.insertOlder([msg(5), msg(6)]);
    expect(shown(r)).toEqual(['5:old one, edited', '6:m6', '10:m10']);
    expect(r.footprint().changes).toBe(0);
  });

  it('keeps at most 1000 changes of messages it does not hold', () => {
    const r = new RoomState('r');
    r.setBase(5000);
    r.insert(msg(5000));
    for (let i = 1; i <= 1500; i++) r.insert(change(5000 + i, i, `e${i}`));
    expect(r.footprint().changes).toBe(1000);
    expect(r.contiguousSeq).toBe(6500);
    // The newest are kept.
    r.insertOlder([msg(1500)]);
    expect(r.messages[0]!.text).toBe('e1500');
  });

  it('marks where history around an older message was loaded and the rest was not', () => {
    const r = new RoomState('r');
    r.setBase(100);
    r.insert(msg(100));
    r.insertOlder([msg(10), msg(11)]);
    r.markUnloaded(11, 100);
    const lines = r.lines().map((l) => (l.kind === 'gap' ? `gap ${l.gap.missing}` : l.message.seq));
    expect(lines).toEqual([10, 11, 'gap 88', 100]);
    expect(r.gaps[0]!.unloaded).toBe(true);

    // History loaded inside it (another jump) splits the mark around what it covers; a change
    // entry counts as loaded history too.
    r.insertOlder([msg(40), msg(41), change(42, 40, 'edited')]);
    const gaps = (): string[] => r.gaps.map((g) => `${g.afterSeq}+${g.missing}`);
    expect(gaps()).toEqual(['11+28', '42+57']);
    // Loaded up to one side, the mark shrinks; covered, it goes.
    r.insertOlder([12, 13, 14].map(msg));
    expect(gaps()).toEqual(['14+25', '42+57']);
    r.insertOlder(Array.from({ length: 25 }, (_, i) => msg(15 + i)));
    expect(gaps()).toEqual(['42+57']);
    r.insertOlder(Array.from({ length: 60 }, (_, i) => msg(43 + i)));
    expect(gaps()).toEqual([]);
    expect(r.lines().some((l) => l.kind === 'gap')).toBe(false);
  });
});
