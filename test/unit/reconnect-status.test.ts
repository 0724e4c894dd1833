import { describe, expect, it } from 'vitest';
import { OUTAGE_MIN_MS, reconnectStatus } from '../../src/client/connection.js';

/** A client whose instance chat-3 drained and that came back on chat-2. */
const drained = {
  lost: 'chat-3 is shutting down',
  moved: true,
  replacement: false,
  instanceId: 'chat-2',
  recovered: 1,
  unreachableMs: undefined,
  servers: 1,
};

describe('the status line after a reconnect', () => {
  it('a move says where it moved', () => {
    expect(reconnectStatus(drained)).toBe(
      'chat-3 is shutting down; moved to chat-2; 1 missed message recovered',
    );
    expect(
      reconnectStatus({ ...drained, lost: 'chat-2 went away', moved: false, recovered: 3 }),
    ).toBe('chat-2 went away; reconnected to chat-2; 3 missed messages recovered');
  });

  it('a whole-cluster outage is said as one, with how long, however it began', () => {
    expect(reconnectStatus({ ...drained, unreachableMs: 15_200 })).toBe(
      'server unreachable for 15 s; back on chat-2; 1 missed message recovered',
    );
    expect(
      reconnectStatus({
        ...drained,
        moved: false,
        lost: 'chat-3 went away',
        unreachableMs: 185_000,
      }),
    ).toBe('server unreachable for 3 min 5 s; back on chat-2; 1 missed message recovered');
    // Several servers given: none of them answered.
    expect(
      reconnectStatus({ ...drained, servers: 3, replacement: true, unreachableMs: 60_000 }),
    ).toBe('no server reachable for 1 min; back on chat-2 (restarted); 1 missed message recovered');
  });

  it('a blip shorter than an outage is said as what began it', () => {
    expect(reconnectStatus({ ...drained, unreachableMs: OUTAGE_MIN_MS - 1 })).toBe(
      'chat-3 is shutting down; moved to chat-2; 1 missed message recovered',
    );
  });
});
