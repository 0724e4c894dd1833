import http from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

/**
 * One HTTP request from a chosen loopback source address (127.0.0.2, 127.0.0.3, ...), so a
 * test can play several clients whose addresses the server tells apart. A fresh connection
 * each time: nothing is shared between calls.
 */
export function request(
  url: string,
  opts: {
    method?: string;
    from?: string;
    headers?: Record<string, string>;
    body?: string;
  } = {},
): Promise<HttpAnswer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
        ...(opts.from ? { localAddress: opts.from } : {}),
        timeout: 30_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            ms: performance.now() - t0,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** `POST /api/login` as JSON from `from`; the status and how long the answer took. */
export function loginFrom(
  url: string,
  from: string,
  username: string,
  password: string,
  extra: { create?: boolean } = {},
): Promise<HttpAnswer> {
  return request(`${url}/api/login`, {
    method: 'POST',
    from,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, ...extra }),
  });
}
