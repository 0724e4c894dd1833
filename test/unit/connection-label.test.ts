import { describe, expect, it } from 'vitest';
import { connectionLabel } from '../../src/cli/tui/state/connection-label.js';

describe('the header says why a session ended', () => {
  it('a ban or a deleted account shows the server’s words, with no advice to log in again', () => {
    const banned = connectionLabel(
      {
        kind: 'ended',
        reason: 'banned',
        message: 'the account "bob" is banned until 2030-01-01 12:00 UTC (59 min left): spam',
      },
      0,
      0,
    );
    expect(banned).toEqual({
      text: 'disconnected',
      tone: 'bad',
      why: 'the account "bob" is banned until 2030-01-01 12:00 UTC (59 min left): spam',
    });
    const deleted = connectionLabel(
      { kind: 'ended', reason: 'account_deleted', message: 'the account "bob" was deleted' },
      0,
      0,
    );
    expect(deleted.why).toBe('the account "bob" was deleted');
  });

  it('a refused session asks to log in again', () => {
    const refused = connectionLabel(
      { kind: 'ended', reason: 'unauthorized', message: 'session is invalid' },
      0,
      0,
    );
    expect(refused.why).toBe('session is invalid (run chat-tui login)');
  });
});

describe('the header counts down to the next attempt', () => {
  const state = {
    kind: 'reconnecting',
    attempt: 3,
    inMs: 4000,
    reason: 'chat-2 went away',
  } as const;

  it('says how long until the attempt, then that it is under way while it waits for the server', () => {
    expect(connectionLabel(state, 0, 1000).text).toBe('reconnecting, attempt 3 in 3 s');
    expect(connectionLabel(state, 0, 3500).text).toBe('reconnecting, attempt 3 in <1 s');
    expect(connectionLabel(state, 0, 4000).text).toBe('reconnecting, attempt 3 under way');
    expect(connectionLabel(state, 0, 12_000)).toEqual({
      text: 'reconnecting, attempt 3 under way',
      tone: 'busy',
      why: 'chat-2 went away',
    });
  });
});
