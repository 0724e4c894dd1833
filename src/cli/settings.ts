import Conf from 'conf';
import { DEFAULT_SERVER } from '../shared/defaults.js';
import { CliError, Exit } from './errors.js';

/** A saved login: the session token is only ever stored here, in a file only the user reads. */
export interface SavedSession {
  user: string;
  token: string;
}

/** When the terminal bell rings: for each message that names the user, or never. */
export const BELL_VALUES = ['mentions', 'off'] as const;
export type BellSetting = (typeof BELL_VALUES)[number];

interface Schema {
  server?: string;
  user?: string;
  bell?: BellSetting;
  sessions: Record<string, SavedSession>;
}

export { DEFAULT_SERVER };

/** Keys `chat-tui config get|set` knows, with how a value is checked. */
export const CONFIG_KEYS = {
  server: 'the default server URL (comma-separated URLs: reconnects rotate through them)',
  user: 'the default user name for logins',
  bell: 'ring the terminal bell on a message naming you: mentions (default) or off',
} as const;
export type ConfigKey = keyof typeof CONFIG_KEYS;

export function isConfigKey(key: string): key is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, key);
}

function checkBell(value: string): BellSetting {
  const v = value.trim().toLowerCase();
  const known = BELL_VALUES.find((b) => b === v);
  if (known) return known;
  throw new CliError(`bell must be one of ${BELL_VALUES.join(', ')}, not "${value}"`, Exit.Usage);
}

/** Checks and normalises one server URL or a comma-separated list of them. */
export function normaliseServers(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const s = part.trim();
    if (!s) continue;
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new CliError(`not a server URL: ${s} (expected e.g. ${DEFAULT_SERVER})`, Exit.Usage);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new CliError(`server URL must start with http:// or https://: ${s}`, Exit.Usage);
    out.push(url.origin);
  }
  if (out.length === 0) throw new CliError('no server URL given', Exit.Usage);
  return out;
}

/**
 * Settings and session tokens, per server, kept with `conf` in the user's config directory
 * (`$XDG_CONFIG_HOME/chat-tui`, or `CHAT_TUI_CONFIG_DIR`), file mode 0600.
 */
export class Settings {
  private readonly conf: Conf<Schema>;

  constructor(cwd = process.env.CHAT_TUI_CONFIG_DIR) {
    this.conf = new Conf<Schema>({
      projectName: 'chat-tui',
      projectSuffix: '',
      configFileMode: 0o600,
      accessPropertiesByDotNotation: false,
      defaults: { sessions: {} },
      ...(cwd ? { cwd } : {}),
    });
  }

  get path(): string {
    return this.conf.path;
  }

  /** A setting as saved; `bell`, which has a default, is never undefined. */
  get(key: ConfigKey): string | undefined {
    if (key === 'bell') return this.bell;
    return this.conf.get(key);
  }

  /** Checks the value (a clear error, nothing saved, when it is not one the key takes). */
  set(key: ConfigKey, value: string): void {
    if (key === 'bell') return this.conf.set('bell', checkBell(value));
    if (key === 'server') value = normaliseServers(value).join(',');
    this.conf.set(key, value);
  }

  get bell(): BellSetting {
    const v = this.conf.get('bell');
    // A hand-edited file may hold anything: what is not `off` rings, as by default.
    return v === 'off' ? 'off' : 'mentions';
  }

  /** The servers to use: the flag, else the saved default, else DEFAULT_SERVER. */
  servers(flag: string | undefined): string[] {
    return normaliseServers(flag ?? this.get('server') ?? DEFAULT_SERVER);
  }

  session(server: string): SavedSession | undefined {
    return this.conf.get('sessions')[server];
  }

  saveSession(server: string, session: SavedSession): void {
    this.conf.set('sessions', { ...this.conf.get('sessions'), [server]: session });
  }

  forgetSession(server: string): void {
    const sessions = { ...this.conf.get('sessions') };
    delete sessions[server];
    this.conf.set('sessions', sessions);
  }
}
