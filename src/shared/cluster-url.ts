import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The local cluster's public URL, kept in its state directory beside the admin token, so that
 * `chat-admin` with no flags talks to the cluster whose token it holds (and never hands that
 * token to whatever else listens on the default port).
 */
export const SERVER_URL_FILE = 'server-url';

/** A URL a client on this machine can reach for a listener on `host`:`port`. */
export function localUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`;
  if (host === '::') return `http://[::1]:${port}`;
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

/** Records the URL (written whole: a reader never sees half a file). Returns the file. */
export function writeServerUrl(dir: string, url: string): string {
  const file = path.join(dir, SERVER_URL_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${url}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

/** The recorded URL, if the directory has one. */
export function readServerUrl(dir: string): { url: string; file: string } | undefined {
  const file = path.join(dir, SERVER_URL_FILE);
  try {
    const url = readFileSync(file, 'utf8').trim();
    return url ? { url, file } : undefined;
  } catch {
    return undefined;
  }
}
