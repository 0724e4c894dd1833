/** How long a settings command waits for a server it was given to answer. */
export const PROBE_TIMEOUT_MS = 3000;

/**
 * Whether a chat server answers at `server` (its `/healthz`): undefined when it does, else why
 * not, in words. A command that saves an address says so at once, rather than every later
 * command failing to connect with no hint that the saved address is the cause.
 */
export async function serverSilence(
  server: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<string | undefined> {
  const url = `${server.replace(/\/+$/, '')}/healthz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    // A redirect (to https, say) is something answering there: not worth a warning.
    return res.ok || (res.status >= 300 && res.status < 400)
      ? undefined
      : `${url} answered ${res.status}: not a chat-tui server`;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return `no answer from ${url} in ${timeoutMs / 1000} s`;
    const code = e.cause?.code;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `no host is known by that name`;
    if (code === 'ECONNREFUSED') return `nothing listens at ${new URL(url).host}`;
    return `cannot reach ${url} (${code ?? e.cause?.message ?? e.message})`;
  }
}
