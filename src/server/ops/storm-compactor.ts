import { Session } from 'node:inspector';
import v8 from 'node:v8';
import type { Logger } from './logger.js';

/** With CHAT_HEAP=small and no storm, how far V8 lets the old space grow past the live heap, in %. */
export const HEAP_GROWING_PERCENT = 25;

/**
 * How far V8 lets the old space grow before its next full collection: at most
 * {@link HEAP_GROWING_PERCENT} past the live heap, or, in a storm, V8's own factor (up to 4x,
 * by how fast it collects against how fast the program allocates; `0` is V8's "unset"). V8
 * reads the flag each time a full collection sets the next limit, so a change applies from
 * the next one.
 */
export function setHeapGrowth(storming: boolean): void {
  v8.setFlagsFromString(`--heap-growing-percent=${storming ? 0 : HEAP_GROWING_PERCENT}`);
}

/** What one storm must have moved (room joins and leaves, sockets' own rooms included). */
const MIN_CHURN = 500;
/** A beat with fewer changes than this is quiet. */
const BUSY_PER_BEAT = 20;
/** Quiet beats in a row after which the storm is over. */
const QUIET_BEATS = 5;
/** The least time between two collections. */
const MIN_GAP_MS = 60_000;

export interface StormCompactorOptions {
  minChurn: number;
  busyPerBeat: number;
  quietBeats: number;
  minGapMs: number;
  /**
   * Told when a storm begins (the first busy beat) and when it is over (the quiet beats after
   * it), before any collection.
   */
  onStorm: (storming: boolean) => void;
}

/**
 * Gives back the heap a storm grew, once the storm is over. A connect, join or reconnect storm
 * (a restart, a herd after a crash, a login wave) promotes short-lived garbage to the old
 * space, and V8's memory reducer, which would collect it when the process goes idle, never
 * runs on a chat server: thousands of idle sockets still ping. So the instance counts room
 * joins and leaves (every socket joins its own room, so connects and disconnects count too)
 * and, when at least {@link MIN_CHURN} of them came in a burst followed by
 * {@link QUIET_BEATS} quiet beats, collects all available garbage ({@link collectAllGarbage});
 * at most once a minute. Measured with 5000 sockets in rooms of 100: resident memory per
 * connection 25.2 KiB before, 13.3 KiB after (bench/ANALYSIS.md, section c).
 *
 * While a storm lasts (from its first busy beat to its quiet beats) the heap may grow as V8
 * would have it ({@link StormCompactorOptions.onStorm}, {@link setHeapGrowth}): held to 25 %
 * past the live heap, a herd's promoted garbage sets off a full collection every few
 * megabytes, whose marking threads take the cores the reconnects need (section r).
 */
export class StormCompactor {
  private pending = 0;
  private churn = 0;
  private quiet = 0;
  private lastAt = -Infinity;
  private storming = false;
  private readonly o: StormCompactorOptions;

  constructor(
    private readonly collect: () => Promise<void>,
    private readonly log: Logger,
    o: Partial<StormCompactorOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.o = {
      minChurn: MIN_CHURN,
      busyPerBeat: BUSY_PER_BEAT,
      quietBeats: QUIET_BEATS,
      minGapMs: MIN_GAP_MS,
      onStorm: () => undefined,
      ...o,
    };
  }

  /** A socket joined or left a room. */
  changed(): void {
    this.pending++;
  }

  /** One beat (once a second). Returns whether it collected. */
  beat(): boolean {
    const moved = this.pending;
    this.pending = 0;
    this.churn += moved;
    if (moved >= this.o.busyPerBeat) {
      this.quiet = 0;
      if (!this.storming) {
        this.storming = true;
        this.o.onStorm(true);
      }
      return false;
    }
    if (++this.quiet < this.o.quietBeats) return false;
    if (this.storming) {
      this.storming = false;
      this.o.onStorm(false);
    }
    // Quiet for long enough: what moved since the last collection was a storm, or a trickle
    // that is forgotten here. A storm within a minute of the last collection waits its turn.
    if (this.churn < this.o.minChurn) {
      this.churn = 0;
      return false;
    }
    const at = this.now();
    if (at - this.lastAt < this.o.minGapMs) return false;
    const churn = this.churn;
    this.churn = 0;
    this.lastAt = at;
    const before = process.memoryUsage();
    const t = performance.now();
    const mib = (b: number): number => Math.round(b / 2 ** 20);
    this.collect().then(
      () => {
        const after = process.memoryUsage();
        this.log.info(
          {
            churn,
            ms: Math.round(performance.now() - t),
            heapUsedMiB: [mib(before.heapUsed), mib(after.heapUsed)],
            heapTotalMiB: [mib(before.heapTotal), mib(after.heapTotal)],
            rssMiB: [mib(before.rss), mib(after.rss)],
          },
          'storm over: heap compacted',
        );
      },
      (err: unknown) =>
        this.log.warn({ err: (err as Error).message }, 'storm over: heap compaction failed'),
    );
    return true;
  }
}

/**
 * V8's collection of all available garbage, the one it runs on a low-memory notification: full
 * collections until nothing more is freed, with the heap's free pages handed back to the
 * system. Reached through the in-process inspector (`HeapProfiler.collectGarbage`), Node's
 * public way to it; no debugger port is opened. Measured on a 200 MiB heap of 300k live
 * objects: about half a second, heap 201 -> 54 MiB, RSS 252 -> 107 MiB (a plain `gc()` from
 * `--expose-gc` left RSS at 258 MiB).
 */
export async function collectAllGarbage(): Promise<void> {
  // Async, so a Node built without the inspector rejects here (logged by the compactor)
  // rather than throwing into the heartbeat that called it.
  const session = new Session();
  session.connect();
  await new Promise<void>((resolve, reject) => {
    session.post('HeapProfiler.collectGarbage', (err) => {
      // Not from within the session's own callback: disconnecting there never returns.
      setImmediate(() => session.disconnect());
      if (err) reject(err);
      else resolve();
    });
  });
}
