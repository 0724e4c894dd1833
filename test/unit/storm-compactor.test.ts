import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { collectAllGarbage, StormCompactor } from '../../src/server/ops/storm-compactor.js';

const quietLog = pino({ level: 'silent' });

/** A compactor whose collections are counted, on a clock the test moves. */
function compactor(): { c: StormCompactor; collections: () => number; clock: { t: number } } {
  let n = 0;
  const clock = { t: 1_000_000 };
  const c = new StormCompactor(
    () => {
      n++;
      return Promise.resolve();
    },
    quietLog,
    { minChurn: 500, busyPerBeat: 20, quietBeats: 5, minGapMs: 60_000 },
    () => clock.t,
  );
  return { c, collections: () => n, clock };
}

function beats(x: ReturnType<typeof compactor>, perBeat: number, count: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < perBeat; k++) x.c.changed();
    out.push(x.c.beat());
    x.clock.t += 1000;
  }
  return out;
}

describe('storm compactor', () => {
  it('collects once, on the fifth quiet beat after a storm', () => {
    const x = compactor();
    expect(beats(x, 200, 5)).toEqual([false, false, false, false, false]);
    expect(beats(x, 0, 5)).toEqual([false, false, false, false, true]);
    expect(beats(x, 0, 20).some(Boolean)).toBe(false);
    expect(x.collections()).toBe(1);
  });

  it('waits while the storm goes on', () => {
    const x = compactor();
    beats(x, 200, 3);
    beats(x, 0, 4);
    expect(beats(x, 100, 1)).toEqual([false]);
    expect(beats(x, 0, 4)).toEqual([false, false, false, false]);
    expect(beats(x, 0, 1)).toEqual([true]);
  });

  it('ignores a trickle, however long it lasts', () => {
    const x = compactor();
    expect(beats(x, 10, 600).some(Boolean)).toBe(false);
    expect(x.collections()).toBe(0);
  });

  it('collects at most once a minute: a second storm soon after waits its turn', () => {
    const x = compactor();
    beats(x, 600, 1);
    expect(beats(x, 0, 5)[4]).toBe(true);
    beats(x, 600, 1);
    const after = beats(x, 0, 60);
    expect(after.filter(Boolean)).toHaveLength(1);
    // The first collection was 5 s into the run; the second not before a minute later.
    expect(after.indexOf(true)).toBeGreaterThanOrEqual(60 - 1 - 5);
    expect(x.collections()).toBe(2);
  });
});

describe('storm compactor, the heap limit in a storm', () => {
  it('lifts it at the first busy beat and puts it back before the collection', () => {
    const told: string[] = [];
    const clock = { t: 1_000_000 };
    const c = new StormCompactor(
      () => {
        told.push('collect');
        return Promise.resolve();
      },
      quietLog,
      {
        minChurn: 500,
        busyPerBeat: 20,
        quietBeats: 5,
        minGapMs: 60_000,
        onStorm: (storming) => void told.push(storming ? 'lift' : 'hold'),
      },
      () => clock.t,
    );
    const beat = (n: number): void => {
      for (let k = 0; k < n; k++) c.changed();
      c.beat();
      clock.t += 1000;
    };
    beat(10); // a trickle: no storm
    expect(told).toEqual([]);
    beat(300);
    expect(told).toEqual(['lift']);
    beat(300);
    beat(0);
    beat(40); // still storming: told once
    for (let i = 0; i < 4; i++) beat(0);
    expect(told).toEqual(['lift']);
    beat(0);
    expect(told).toEqual(['lift', 'hold', 'collect']);
    // A storm too small to collect after still gets its limit back.
    beat(30);
    for (let i = 0; i < 5; i++) beat(0);
    expect(told).toEqual(['lift', 'hold', 'collect', 'lift', 'hold']);
  });
});

describe('storm compactor, when the collection fails', () => {
  it('says so in the log and lets the beat go on', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const c = new StormCompactor(() => Promise.reject(new Error('no inspector')), log, {
      minChurn: 1,
      busyPerBeat: 20,
      quietBeats: 1,
      minGapMs: 0,
    });
    c.changed();
    expect(c.beat()).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(lines.join('')).toContain('heap compaction failed');
    expect(lines.join('')).toContain('no inspector');
  });
});

describe('collectAllGarbage', () => {
  it('collects what is unreachable and gives heap back', async () => {
    let ref: WeakRef<object> | undefined;
    (() => {
      ref = new WeakRef({ big: new Array(100_000).fill(1) });
    })();
    // A WeakRef keeps its target alive until the current job ends.
    await new Promise((r) => setImmediate(r));
    await collectAllGarbage();
    expect(ref?.deref()).toBeUndefined();
  });
});
