import http from 'node:http';

/**
 * POSTs a login from a chosen loopback source address (127.0.0.0/8 is all loopback), with
 * an X-Forwarded-For the client wrote itself, and resolves with the HTTP status. Each test
 * using its own source address has per-address counters of its own.
 */
export function loginStatus(
  url: string,
  opts: { from: string; forwardedFor?: string; username: string },
): Promise<number> {
  const body = JSON.stringify({ username: opts.username, password: 'password-1' });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/login`,
      {
        method: 'POST',
        localAddress: opts.from,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(opts.forwardedFor ? { 'x-forwarded-for': opts.forwardedFor } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('timeout', () => req.destroy(new Error('login timed out')));
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * `attempts` logins from `from`, each claiming a different client address in a forged
 * X-Forwarded-For (documentation ranges: header text only, never a traffic target).
 */
export async function forgedLogins(
  url: string,
  from: string,
  attempts: number,
  user: string,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < attempts; i++) {
    statuses.push(
      await loginStatus(url, {
        from,
        username: user,
        forwardedFor: `203.0.113.${i + 1}, 198.51.100.${i + 1}`,
      }),
    );
  }
  return statuses;
}
