import { ApiError, login, me } from '../client/api.js';
import { ChatClient, type ConnectionState } from '../client/chat-client.js';
import { loginAgainHelps } from '../client/types.js';
import { ErrorCode, NAME_PATTERN, PASSWORD_MIN_LENGTH } from '../protocol/index.js';
import { CliError, Exit } from './errors.js';
import { ask, askHidden } from './prompt.js';
import type { SavedSession, Settings } from './settings.js';
import { sanitizeInline } from './sanitize.js';

/** A saved session, and whether the login that made it registered the name. */
export interface LoginResult extends SavedSession {
  created: boolean;
}

function checkName(user: string): void {
  if (!NAME_PATTERN.test(user))
    throw new CliError(
      `"${user}" is not a valid user name: use a-z, 0-9, _ and - (up to 32)`,
      Exit.Usage,
    );
}

async function loginWith(
  settings: Settings,
  server: string,
  user: string,
  password: string,
  opts: { create?: boolean },
): Promise<LoginResult> {
  const res = await login(server, user, password, opts);
  const session = { user: res.user.name, token: res.token };
  settings.saveSession(server, session);
  return { ...session, created: res.created };
}

/**
 * Logs in in one step, a new name registering (scripts: `--password-stdin`), and saves the
 * session for `server`.
 */
export async function loginAndSave(
  settings: Settings,
  server: string,
  user: string,
  password: string,
): Promise<LoginResult> {
  checkName(user);
  try {
    return await loginWith(settings, server, user, password, {});
  } catch (err) {
    if (err instanceof ApiError) throw new CliError(`login failed: ${err.message}`);
    throw err;
  }
}

/** What a login did, in words: a new account, or an existing one. */
export function loginSummary(server: string, r: LoginResult): string {
  return r.created
    ? `registered a new account "${r.user}" on ${server} and logged in`
    : `logged in to ${server} as ${r.user} (existing account)`;
}

/** Passwords asked for before a terminal login gives up, as `ssh` does. */
export const PASSWORD_TRIES = 3;

/**
 * Asks for a name (unless known) and a password on the terminal, then logs in. A wrong (or
 * too short) password is asked for again, {@link PASSWORD_TRIES} times in all, as `ssh` does;
 * scripts (`--password-stdin`) fail at once. A name with no account is registered only after
 * the password is typed a second time, the same: the server is asked to log in without
 * creating (`create: false`) first, then to create.
 */
export async function promptLogin(
  settings: Settings,
  server: string,
  user: string | undefined,
): Promise<LoginResult> {
  process.stderr.write(`Log in to ${server} (a new name registers).\n`);
  const name = user ?? ((await ask('user name: ')) || undefined);
  if (!name) throw new CliError('no user name given', Exit.Usage);
  checkName(name);
  let password = '';
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= PASSWORD_TRIES;
    const left = PASSWORD_TRIES - attempt;
    const again = last ? '' : `; try again (${left} ${left === 1 ? 'try' : 'tries'} left)`;
    password = await askHidden('password: ');
    if (password.length < PASSWORD_MIN_LENGTH) {
      const why = `password too short (at least ${PASSWORD_MIN_LENGTH} characters)`;
      if (last) throw new CliError(why, Exit.Usage);
      process.stderr.write(`${why}${again}\n`);
      continue;
    }
    try {
      return await loginWith(settings, server, name, password, { create: false });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.code === ErrorCode.NoSuchUser) break;
      // Anything but a wrong password (a rate limit, a ban, an outage) is not mended by typing.
      if (err.code !== ErrorCode.Unauthorized || last)
        throw new CliError(`login failed: ${err.message}`);
      process.stderr.write(`login failed: ${err.message}${again}\n`);
    }
  }
  process.stderr.write(`There is no account "${name}" on ${server} yet: registering it.\n`);
  const again = await askHidden('password again: ');
  if (again !== password)
    throw new CliError(
      'the two passwords differ: nothing was registered (run chat-tui login to try again)',
      Exit.Usage,
    );
  try {
    return await loginWith(settings, server, name, password, { create: true });
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.code === ErrorCode.NameTaken)
      throw new CliError(
        `"${name}" was registered by someone else a moment ago: choose another name`,
      );
    throw new CliError(`registering failed: ${err.message}`);
  }
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
      // Banned: no login helps until the ban ends; the server says until when and why.
      if (err instanceof ApiError && err.code === ErrorCode.Banned) throw new CliError(err.message);
      // Unreachable: keep the token, the client reconnects on its own.
      if (!(err instanceof ApiError) || err.status !== 401) return saved;
      settings.forgetSession(server);
      if (!opts.interactive)
        throw new CliError(`the session for ${server} was refused: run chat-tui login again`);
      // Why, as the server says it (logged out elsewhere, ended by an operator, expired).
      const why = err.message.charAt(0).toUpperCase() + err.message.slice(1);
      process.stderr.write(`Your session is no longer valid. ${sanitizeInline(why, 200)}.\n`);
    }
  }
  if (!opts.interactive)
    throw new CliError(`not logged in to ${server}: run chat-tui login --server ${server}`);
  const result = await promptLogin(settings, server, opts.user ?? settings.get('user'));
  process.stderr.write(`${loginSummary(server, result)}\n`);
  return result;
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
    // A ban or a deleted account is not mended by logging in again: say only what happened.
    const relogin = last.kind !== 'ended' || loginAgainHelps(last.reason);
    client.close();
    if (err instanceof CliError) throw err;
    throw new CliError(
      `connection refused: ${(err as Error).message}${relogin ? ' (run chat-tui login)' : ''}`,
    );
  } finally {
    clearTimeout(timer);
  }
}
