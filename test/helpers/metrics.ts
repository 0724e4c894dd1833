/**
 * One series' value from an instance's /metrics: the first with that name, whatever its
 * labels; NaN when the instance has no such series. Rejects when the instance does not answer
 * within `timeoutMs`. Used by the tests and the bench alike (no test runner imported here).
 */
export async function readMetric(url: string, name: string, timeoutMs = 5000): Promise<number> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)`, 'm').exec(await res.text());
  return m ? Number(m[1]) : NaN;
}
