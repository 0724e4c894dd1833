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

/** Desktop notifications for mentions and DMs out of view: off (default), OSC 777 or OSC 9. */
export const NOTIFY_VALUES = ['off', 'osc777', 'osc9'] as const;
export type NotifySetting = (typeof NOTIFY_VALUES)[number];

/** Links drawn as OSC 8 hyperlinks: auto (default: unless TERM is dumb or linux), on or off. */
export const LINKS_VALUES = ['auto', 'on', 'off'] as const;
export type LinksSetting = (typeof LINKS_VALUES)[number];

interface Schema {
  server?: string;
  user?: string;
  bell?: BellSetting;
  notify?: NotifySetting;
  links?: LinksSetting;
  /** Users whose messages and DMs the full-screen client hides (`/ignore`). */
  ignored?: string[];
  sessions: Record<string, SavedSession>;
}

export { DEFAULT_SERVER };

/** Keys `chat-tui config get|set` knows, with how a value is checked. */
export const CONFIG_KEYS = {
  server: 'the default server URL (comma-separated URLs: reconnects rotate through them)',
  user: 'the default user name for logins',
  bell: 'ring the terminal bell on a message naming you or a DM: mentions (default) or off',
  notify:
    'desktop notification for mentions and DMs in rooms not on screen: off (default), osc777 or osc9',
  links:
    'draw http(s) links as clickable OSC 8 hyperlinks: auto (default: unless TERM is dumb or linux), on or off',
} as const;
export type ConfigKey = keyof typeof CONFIG_KEYS;

export function isConfigKey(key: string): key is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, key);
}

function checkOne<T extends string>(key: string, values: readonly T[], value: string): T {
  const v = value.trim().toLowerCase();
  const known = values.find((b) => b === v);
  if (known) return known;
  throw new CliError(`${key} must be one of ${values.join(', ')}, not "${value}"`, Exit.Usage);
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

  /** A setting as saved; `bell` and `notify`, which have defaults, are never undefined. */
  get(key: ConfigKey): string | undefined {
    if (key === 'bell') return this.bell;
    if (key === 'notify') return this.notify;
    if (key === 'links') return this.links;
    return this.conf.get(key);
  }

  /** Checks the value (a clear error, nothing saved, when it is not one the key takes). */
  set(key: ConfigKey, value: string): void {
    if (key === 'bell') return this.conf.set('bell', checkOne('bell', BELL_VALUES, value));
    if (key === 'notify') return this.conf.set('notify', checkOne('notify', NOTIFY_VALUES, value));
    if (key === 'links') return this.conf.set('links', checkOne('links', LINKS_VALUES, value));
    if (key === 'server') value = normaliseServers(value).join(',');
    this.conf.set(key, value);
  }

  get bell(): BellSetting {
    const v = this.conf.get('bell');
    // A hand-edited file may hold anything: what is not `off` rings, as by default.
    return v === 'off' ? 'off' : 'mentions';
  }

  get notify(): NotifySetting {
    const v = this.conf.get('notify');
    // Opt-in: anything but a known style (a hand-edited file) is off.
    return v === 'osc777' || v === 'osc9' ? v : 'off';
  }

  get links(): LinksSetting {
    const v = this.conf.get('links');
    return v === 'on' || v === 'off' ? v : 'auto';
  }

  /** Users `/ignore` hides, as saved (a hand-edited file may hold anything: only strings). */
  get ignored(): string[] {
    const v: unknown = this.conf.get('ignored');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  set ignored(users: readonly string[]) {
    this.conf.set('ignored', [...users]);
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
