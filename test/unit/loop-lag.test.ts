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

describe('event-loop lag (the status p99 of each second)', () => {
  it('measures a block whole, though it samples only every few tens of ms', async () => {
    const lag = new LoopLag();
    try {
      await sleep(LAG_RESOLUTION_MS * 2);
      lag.read();
      await block(300);
      // The sample that was due during the block fires after it.
      await sleep(LAG_RESOLUTION_MS * 2);
      expect(lag.read()).toBeGreaterThanOrEqual(250);
    } finally {
      lag.stop();
    }
  });

  it('sees a block inside another timer callback (the heartbeat, a collection)', async () => {
    const lag = new LoopLag();
    try {
      await sleep(LAG_RESOLUTION_MS * 2);
      lag.read();
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          busy(300);
          resolve();
        }, 1),
      );
      await sleep(LAG_RESOLUTION_MS * 2);
      expect(lag.read()).toBeGreaterThanOrEqual(250);
    } finally {
      lag.stop();
    }
  });

  it('starts over at each reading', async () => {
    const lag = new LoopLag();
    try {
      await block(300);
      await sleep(LAG_RESOLUTION_MS * 2);
      expect(lag.read()).toBeGreaterThanOrEqual(250);
      // Nothing sampled since: the block is not counted again.
      const again = lag.read();
      expect(again).toBeLessThan(250);
    } finally {
      lag.stop();
    }
  });
});
