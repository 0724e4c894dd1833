import { describe, expect, it } from 'vitest';
import {
  ADMIN_FAILURE_WINDOW_MS,
  ADMIN_FAILURES_PER_WINDOW,
  AdminGuesses,
} from '../../src/server/auth/admin-guesses.js';

describe('wrong admin tokens per address', () => {
  it('are each logged up to the limit and one more; past it the address is slowed, for a window', () => {
    let now = 1_000_000;
    const g = new AdminGuesses(() => now);
    const logged: boolean[] = [];
    for (let i = 0; i < ADMIN_FAILURES_PER_WINDOW + 5; i++) logged.push(g.failed('10.0.0.1'));
    expect(logged.filter(Boolean)).toHaveLength(ADMIN_FAILURES_PER_WINDOW + 1);
    expect(logged.slice(-4)).toEqual([false, false, false, false]);
    expect(g.blocked('10.0.0.1')).toBe(true);
    // Another address is its own count.
    expect(g.blocked('10.0.0.2')).toBe(false);
    expect(g.failed('10.0.0.2')).toBe(true);
    // The window over, the address starts again.
    now += ADMIN_FAILURE_WINDOW_MS;
    expect(g.blocked('10.0.0.1')).toBe(false);
    expect(g.failed('10.0.0.1')).toBe(true);
  });
});
