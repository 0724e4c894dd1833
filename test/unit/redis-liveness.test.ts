import { describe, expect, it, vi } from 'vitest';
import { RedisLiveness } from '../../src/server/redis/liveness.js';

/** A probe whose answers the test gives, one at a time. */
function probe() {
  const waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const fn = () => new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
  return { fn, waiting };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('whether Redis answers', () => {
  it('is not so after a probe finds no answer, is again once one comes back; an error reply is an answer', async () => {
    let state = 'ready';
    const p = probe();
    const live = new RedisLiveness(() => state, p.fn);
    expect(live.answering()).toBe(true);
    live.beat();
    live.beat(); // one probe at a time
    expect(p.waiting).toHaveLength(1);
    p.waiting.shift()!.reject(new Error('Command timed out'));
    await settle();
    expect(live.answering()).toBe(false);
    expect(live.describe()).toBe('not answering (Command timed out)');
    live.beat();
    p.waiting
      .shift()!
      .reject(Object.assign(new Error('NOPERM no permissions'), { name: 'ReplyError' }));
    await settle();
    expect(live.answering()).toBe(true);
    // A connection that is not open does not answer, and is not probed.
    state = 'reconnecting';
    live.beat();
    expect(p.waiting).toHaveLength(0);
    expect(live.answering()).toBe(false);
    expect(live.describe()).toBe('reconnecting');
  });

  it('a probe that gets no answer fails on its own clock', async () => {
    // The probe's clock is faked; the loop's check phase (setImmediate) is the real one.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const p = probe();
      const live = new RedisLiveness(() => 'ready', p.fn, 2000);
      live.beat();
      await vi.advanceTimersByTimeAsync(1999);
      expect(live.answering()).toBe(true);
      await vi.advanceTimersByTimeAsync(1);
      // Judged in the check phase that follows (after the poll phase read what arrived).
      await settle();
      await settle();
      expect(live.describe()).toBe('not answering (no answer in 2000 ms)');
      // The next beat probes again; its answer puts it right.
      live.beat();
      expect(p.waiting).toHaveLength(2);
      p.waiting[1]!.resolve();
      await vi.advanceTimersByTimeAsync(0);
      expect(live.answering()).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
