import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/index.js';
import { boundedWork } from '../../src/server/auth/accounts.js';

/** A piece of work that finishes when the test says so, and says when it started. */
function work(started: number[], i: number): { run: () => Promise<number>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return {
    run: async () => {
      started.push(i);
      await done;
      return i;
    },
    finish: () => finish(),
  };
}

describe('bounded work (password hashes at once)', () => {
  it('runs at most N at once, queues at most M, refuses the rest at once, and starts the queued in order', async () => {
    const run = boundedWork(2, 3);
    const started: number[] = [];
    const jobs = Array.from({ length: 6 }, (_, i) => work(started, i));
    const results = jobs.map((j) => run(j.run).then(String, (e: { code?: string }) => e.code));
    // The sixth finds two running and three waiting.
    await expect(results[5]).resolves.toBe(ErrorCode.Unavailable);
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    jobs[0]!.finish();
    await expect(results[0]).resolves.toBe('0');
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    for (const j of jobs) j.finish();
    await expect(Promise.all(results.slice(0, 5))).resolves.toEqual(['0', '1', '2', '3', '4']);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    // With room again, new work is taken.
    await expect(run(() => Promise.resolve('later'))).resolves.toBe('later');
  });
});
