/** How long `eventually` keeps trying by default: a state written once a second, on a busy machine. */
const DEFAULT_TIMEOUT_MS = 20_000;

/**
 * Retries `probe` until it returns without throwing, and returns what it returned. For state
 * that has no change event to await (an instance's status, rewritten in Redis once a second;
 * a process that is not our child): the probe reads it and asserts (`expect` inside is fine),
 * and a failure is retried every `everyMs` (after the probe's own work, so a slow probe such
 * as a CLI run is never started twice at once). Once `timeoutMs` has passed it throws, naming
 * `what` and the last failure.
 *
 * The bound is a safety net, not part of the check: keep it well above the period of what is
 * awaited (seconds for a once-a-second status), and time a latency the spec bounds on its own.
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  opts: { what: string; timeoutMs?: number; everyMs?: number },
): Promise<T> {
  const { what, timeoutMs = DEFAULT_TIMEOUT_MS, everyMs = 100 } = opts;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      if (Date.now() >= deadline) {
        throw new Error(`${what}: not so after ${timeoutMs} ms: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
