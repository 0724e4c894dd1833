/**
 * glibc's malloc keeps what a login storm freed. Each password hash (scrypt, N=2^14, r=8)
 * takes a 16 MiB buffer in a libuv worker thread; glibc's mmap threshold adapts upwards to
 * such a size after the first is freed, so the later ones come from the threads' arenas, whose
 * freed memory is rarely handed back. Measured with the bench's storm section (200 logins that
 * create accounts, on 2 instances): 139 MiB per instance 10 s after, against 69 MiB with the
 * threshold fixed at 128 KiB, where buffers that large are mapped and unmapped on their own.
 *
 * A process reads the setting when it starts, so it is set for the instances the local cluster
 * forks, in the Dockerfile and the Kubernetes manifest; an instance started without it says
 * so once at startup.
 */
export const MALLOC_TUNABLE = 'glibc.malloc.mmap_threshold=131072';

/** `env` with {@link MALLOC_TUNABLE} added to `GLIBC_TUNABLES`, unless a threshold is set there. */
export function withMallocTuning(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const have = env.GLIBC_TUNABLES ?? '';
  if (have.includes('glibc.malloc.mmap_threshold=')) return env;
  return { ...env, GLIBC_TUNABLES: have ? `${have}:${MALLOC_TUNABLE}` : MALLOC_TUNABLE };
}

/** Whether this process runs on glibc without a fixed mmap threshold (the setting is missing). */
export function mallocUntuned(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform !== 'linux') return false;
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } })
    .header;
  if (!header?.glibcVersionRuntime) return false;
  return withMallocTuning(env) !== env;
}
