import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/client/connection.js';
import { readPage } from '../../src/client/delivery/pages.js';
import { Resume } from '../../src/client/resume.js';
import { RoomState } from '../../src/client/room-state.js';
import type { Emit } from '../../src/client/types.js';
import type { ChatMessage } from '../../src/protocol/index.js';
import { chatMessage } from '../helpers/messages.js';

const msg = (seq: number, epoch: string): ChatMessage => chatMessage(seq, { epoch });

/** A client's resume over one room, with no connection (nothing here asks the server). */
function resumeOf(room: RoomState): { resume: Resume; events: unknown[][] } {
  const events: unknown[][] = [];
  const conn = { socket: undefined, welcome: undefined } as unknown as Connection;
  const outbox = { delivered: () => undefined, retryFailed: () => Promise.resolve() };
  const emit: Emit = (event, ...args) => {
    events.push([event, ...args]);
  };
  const resume = new Resume(new Map([[room.name, room]]), conn, outbox, emit);
  return { resume, events };
}

describe('Resume, live messages before a join is answered', () => {
  it('holds them until the answer says which history the room holds, and drops those of another', () => {
    const room = new RoomState('r');
    const { resume } = resumeOf(room);
    // Live, before the answer: one of the history the room had, one of the history reset
    // between the socket's join and the read.
    resume.onMessage(msg(7, 'old'));
    resume.onMessage(msg(2, 'new'));
    expect(room.messages).toEqual([]);
    readPage(
      resume,
      room,
      { messages: [msg(1, 'new')], hasMore: false, truncated: false, epoch: 'new' },
      true,
    );
    resume.takeHeld(room);
    expect(room.messages.map((m) => [m.seq, m.epoch])).toEqual([
      [1, 'new'],
      [2, 'new'],
    ]);
    expect(room.hasHole()).toBe(false);
    expect(room.held).toEqual([]);
  });

  it('takes a message held before the answer that the answer also brought once', () => {
    const room = new RoomState('r');
    const { resume, events } = resumeOf(room);
    resume.onMessage(msg(1, 'e'));
    readPage(
      resume,
      room,
      { messages: [msg(1, 'e')], hasMore: false, truncated: false, epoch: 'e' },
      true,
    );
    resume.takeHeld(room);
    expect(room.messages.map((m) => m.seq)).toEqual([1]);
    expect(events.filter((e) => e[0] === 'message')).toHaveLength(1);
  });
});
