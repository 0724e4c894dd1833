import { ApiError, login, me } from '../client/api.js';
import { ChatClient, type ConnectionState } from '../client/chat-client.js';
import { NAME_PATTERN, PASSWORD_MIN_LENGTH } from '../protocol/index.js';
import { CliError, Exit } from './errors.js';
import { ask, askHidden } from './prompt.js';
import type { SavedSession, Settings } from './settings.js';

/** Logs in (a new name registers) and saves the session for `server`. */
export async function loginAndSave(
  settings: Settings,
  server: string,
  user: string,
  password: string,
): Promise<SavedSession> {
  if (!NAME_PATTERN.test(user))
    throw new CliError(
      `"${user}" is not a valid user name: use a-z, 0-9, _ and - (up to 32)`,
      Exit.Usage,
    );
  try {
    const res = await login(server, user, password);
    const session = { user: res.user.name, token: res.token };
    settings.saveSession(server, session);
    return session;
  } catch (err) {
    if (err instanceof ApiError) throw new CliError(`login failed: ${err.message}`);
    throw err;
  }
}

/** Asks for a name (unless known) and a password on the terminal, then logs in. */
export async function promptLogin(
  settings: Settings,
  server: string,
  user: string | undefined,
): Promise<SavedSession> {
  process.stderr.write(`Log in to ${server} (a new name registers).\n`);
  const name = user ?? ((await ask('user name: ')) || undefined);
  if (!name) throw new CliError('no user name given', Exit.Usage);
  const password = await askHidden('password: ');
  if (password.length < PASSWORD_MIN_LENGTH)
    throw new CliError(
      `password too short (at least ${PASSWORD_MIN_LENGTH} characters)`,
      Exit.Usage,
    );
  return loginAndSave(settings, server, name, password);
}

/**
 * The session to use for `server`: the saved one (checked with the server when it answers),
 * or, on a terminal, a fresh login. A refused token asks to log in again.
 */
export async function obtainSession(
  settings: Settings,
  server: string,
  opts: { user?: string | undefined; interactive: boolean },
): Promise<SavedSession> {
  const saved = settings.session(server);
  if (saved && (!opts.user || opts.user === saved.user)) {
    try {
      await me(server, saved.token);
      return saved;
    } catch (err) {
      // Unreachable: keep the token, the client reconnects on its own.
      if (!(err instanceof ApiError) || err.status !== 401) return saved;
      settings.forgetSession(server);
      if (!opts.interactive)
        throw new CliError(`the session for ${server} was refused: run chat-tui login again`);
      process.stderr.write('Your session is no longer valid.\n');
    }
  }
  if (!opts.interactive)
    throw new CliError(`not logged in to ${server}: run chat-tui login --server ${server}`);
  return promptLogin(settings, server, opts.user ?? settings.get('user'));
}

/** Connects a client for a script command, failing after `timeoutMs` without a connection. */
export async function connectForScript(
  servers: string[],
  token: string,
  timeoutMs = 20_000,
): Promise<ChatClient> {
  const client = new ChatClient({ servers, token, pingEveryMs: 0 });
  let last: ConnectionState = client.state;
  client.on('state', (s) => (last = s));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const why = last.kind === 'reconnecting' ? `: ${last.reason}` : '';
      reject(new CliError(`cannot connect to ${servers.join(', ')}${why}`));
    }, timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]);
    return client;
  } catch (err) {
    client.close();
    if (err instanceof CliError) throw err;
    throw new CliError(`connection refused: ${(err as Error).message} (run chat-tui login)`);
  } finally {
    clearTimeout(timer);
  }
}
