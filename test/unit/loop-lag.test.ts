import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LAG_RESOLUTION_MS, LoopLag } from '../../src/server/ops/status.js';

/** Keeps the event loop busy for `ms`, as a long synchronous task does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* busy */
  }
}

/** A block run from the check phase (as from I/O). */
function block(ms: number): Promise<void> {
  return new Promise((resolve) =>
    setImmediate(() => {
      busy(ms);
      resolve();
    }),
  );
}

/** The lag read after `run` blocked the loop (a fresh reading before it). */
async function lagAcross(run: () => Promise<void>): Promise<number> {
  const lag = new LoopLag();
  try {
    await sleep(LAG_RESOLUTION_MS * 2);
    lag.read();
    await run();
    // The sample that was due during the block fires after it.
    await sleep(LAG_RESOLUTION_MS * 2);
    return lag.read();
  } finally {
    lag.stop();
  }
}

describe('event-loop lag (the status p99 of each second)', () => {
  it('measures a block whole, though it samples only every few tens of ms', async () => {
    expect(await lagAcross(() => block(300))).toBeGreaterThanOrEqual(250);
  });

  it('sees a block inside another timer callback (the heartbeat, a collection)', async () => {
    const inTimer = (): Promise<void> =>
      new Promise((resolve) =>
        setTimeout(() => {
          busy(300);
          resolve();
        }, 1),
      );
    expect(await lagAcross(inTimer)).toBeGreaterThanOrEqual(250);
  });

  it('starts over at each reading', async () => {
    const lag = new LoopLag();
    try {
      await block(300);
      await sleep(LAG_RESOLUTION_MS * 2);
      expect(lag.read()).toBeGreaterThanOrEqual(250);
      // Nothing sampled since: the block is not counted again.
      expect(lag.read()).toBeLessThan(250);
    } finally {
      lag.stop();
    }
  });
});
