import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Conf from 'conf';
import { readServerUrl } from '../shared/cluster-url.js';
import { DEFAULT_SERVER } from '../shared/defaults.js';
import { stateDir } from '../shared/state-dir.js';
import { AdminError, ExitCode } from './exit-codes.js';

export { DEFAULT_SERVER };

/** What `chat-admin config` saves (file readable by the user only). */
export interface SavedSettings {
  server?: string;
  token?: string;
}

/**
 * The saved settings. `CHAT_ADMIN_CONFIG_DIR` moves the file (tests use it so they never
 * touch the user's own config). `conf` is loaded here, when a command first needs the file:
 * a run given `--server` and a token never reads it, and loading conf and its schema
 * validator was a third of the console's start-up (`chat-admin --help` 0.52 s before,
 * 0.38 s after, on 2 cores).
 */
export async function savedSettings(env: NodeJS.ProcessEnv): Promise<Conf<SavedSettings>> {
  const dir = env.CHAT_ADMIN_CONFIG_DIR;
  const { default: Conf } = await import('conf');
  return new Conf<SavedSettings>({
    projectName: 'chat-tui',
    configName: 'admin',
    projectSuffix: '',
    configFileMode: 0o600,
    ...(dir ? { cwd: dir } : {}),
  });
}

/** The flags every command accepts (declared once on the program). */
export interface GlobalFlags {
  server?: string;
  token?: string;
}

export interface Target {
  server: string;
  token: string;
  /** Where the token came from, for error messages. */
  tokenSource: string;
  /** What to do if the server refuses it (a token file may be another cluster's). */
  tokenHint?: string;
}

function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/** An admin token as given: not empty, no spaces or control characters. */
export function isToken(raw: string): boolean {
  return /^[\x21-\x7e]+$/.test(raw);
}

/** Why a token given was refused, naming where it was given. */
export const TOKEN_RULE = (where: string): string =>
  `${where}: an admin token is printable characters without spaces, and not empty`;

/** Checks and normalises a server URL (a bare host:port gets http://). */
export function parseServer(raw: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new AdminError(ExitCode.Usage, `--server: not a URL: ${JSON.stringify(raw)}`);
  }
  if (!['http:', 'https:'].includes(url.protocol)) {
    throw new AdminError(ExitCode.Usage, `--server: use an http:// or https:// URL, not ${raw}`);
  }
  return url.origin;
}

/** Whether two loopback URLs name the same listener (localhost, 127.x and ::1 alike). */
function sameLocal(a: string, b: string): boolean {
  const x = new URL(a);
  const y = new URL(b);
  const port = (u: URL): string => u.port || (u.protocol === 'https:' ? '443' : '80');
  return (
    isLoopback(x.hostname) &&
    isLoopback(y.hostname) &&
    x.protocol === y.protocol &&
    port(x) === port(y)
  );
}

/** How to reach another local cluster: its own state directory, or its token. */
const POINT_AT_STATE = (server: string): string =>
  `If ${server} is another local cluster, point chat-admin at its state directory (the ` +
  `"state in <dir>" line its \`chat-server start\` printed, or its --state-dir): ` +
  `CHAT_STATE_DIR=<dir> chat-admin ...; otherwise pass --token or set CHAT_ADMIN_TOKEN`;

/**
 * Server: `--server`, `CHAT_SERVER`, the saved config, the URL the local cluster recorded in
 * its state directory, then the default.
 * Token: `--token`, `CHAT_ADMIN_TOKEN`, the saved config, then the local cluster's token file,
 * but only for the server that cluster recorded (for a cluster that recorded none, any server
 * on this machine): that token is never handed to another listener.
 */
export async function resolveTarget(flags: GlobalFlags, env: NodeJS.ProcessEnv): Promise<Target> {
  let conf: Conf<SavedSettings> | undefined;
  const saved = async (): Promise<Conf<SavedSettings>> => (conf ??= await savedSettings(env));
  const local = readServerUrl(stateDir(env));
  const server = parseServer(
    flags.server ??
      (env.CHAT_SERVER || (await saved()).get('server') || local?.url || DEFAULT_SERVER),
  );
  if (flags.token !== undefined) {
    if (!isToken(flags.token)) throw new AdminError(ExitCode.Usage, TOKEN_RULE('--token'));
    return { server, token: flags.token, tokenSource: '--token' };
  }
  if (env.CHAT_ADMIN_TOKEN) {
    return { server, token: env.CHAT_ADMIN_TOKEN, tokenSource: 'CHAT_ADMIN_TOKEN' };
  }
  const config = await saved();
  const savedToken = config.get('token');
  if (savedToken)
    return { server, token: savedToken, tokenSource: `saved config (${config.path})` };
  if (isLoopback(new URL(server).hostname)) {
    const file = path.join(stateDir(env), 'admin-token');
    const token = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (token && (!local || sameLocal(server, local.url))) {
      return {
        server,
        token,
        tokenSource: file,
        tokenHint:
          `That file is the token of the cluster whose state is in ${stateDir(env)}` +
          (local ? ` (recorded for ${local.url})` : '') +
          `, and the cluster answering at ${server} does not take it. ${POINT_AT_STATE(server)}`,
      };
    }
    if (token && local) {
      throw new AdminError(
        ExitCode.Unauthorized,
        `no admin token for ${server}: the local cluster's token (${file}) is for ${local.url} ` +
          `(recorded in ${local.file}). ${POINT_AT_STATE(server)}`,
        { unauthorized: true },
      );
    }
  }
  throw new AdminError(
    ExitCode.Unauthorized,
    'no admin token: pass --token, set CHAT_ADMIN_TOKEN, or save one with `chat-admin config --set-token`',
    { unauthorized: true },
  );
}
