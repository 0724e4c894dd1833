import { describe, expect, it } from 'vitest';
import {
  MALLOC_TUNABLE,
  mallocUntuned,
  withMallocTuning,
} from '../../src/server/ops/malloc-tuning.js';

describe('malloc tuning for the instances', () => {
  it('adds the fixed mmap threshold to an environment without one', () => {
    expect(withMallocTuning({ PATH: '/bin' })).toEqual({
      PATH: '/bin',
      GLIBC_TUNABLES: MALLOC_TUNABLE,
    });
  });

  it("keeps the operator's other tunables, and their own threshold if they set one", () => {
    expect(withMallocTuning({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES).toBe(
      `glibc.malloc.arena_max=2:${MALLOC_TUNABLE}`,
    );
    const own = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' };
    expect(withMallocTuning(own)).toBe(own);
  });

  it('says an environment without it is untuned on glibc, and a tuned one is not', () => {
    const glibc = Boolean(
      (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
        ?.glibcVersionRuntime,
    );
    expect(mallocUntuned({})).toBe(glibc);
    expect(mallocUntuned({ GLIBC_TUNABLES: MALLOC_TUNABLE })).toBe(false);
  });
});
