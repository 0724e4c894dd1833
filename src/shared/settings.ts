import { z } from 'zod';
import { stateDir } from './state-dir.js';

/**
 * One definition per setting: its environment variable, its flag if any, its type, default
 * and meaning. Programs parse their configuration from these definitions (flag, then
 * environment, then default), `chat-server config` prints them and docs/configuration.md's
 * configuration table is generated from them (`npm run docs:config`).
 */
export interface Setting<T> {
  /** The environment variable; absent for a flag-only setting. */
  env?: string;
  /** The flag, as commander spells it (`-p, --port`). */
  flag?: string;
  /** The subcommand the flag belongs to, when only one has it (shown before the flag). */
  flagCommand?: string;
  /** Who reads it. */
  program: 'chat-server' | 'chat-tui' | 'chat-admin' | 'chat-admin, chat-server';
  /** Parses the raw text (never empty unless `keepEmpty`) into the value. */
  schema: z.ZodType<T, string>;
  /** The value when neither flag nor variable gives one (a function: computed from the env). */
  default?: T | ((env: NodeJS.ProcessEnv) => T);
  /** The default as the table shows it, when the value alone would mislead. */
  defaultDoc?: string;
  /** What it means, for the table in docs/configuration.md (markdown). */
  doc: string;
  /** How `chat-server config` masks it: the whole value, or a URL's password. */
  secret?: 'all' | 'url';
  /** An empty variable is a value, not "unset" (as `PORT=` always was: port 0). */
  keepEmpty?: boolean;
}

/** Identity, so each definition keeps its own value type. */
export function define<T>(s: Setting<T>): Setting<T> {
  return s;
}

/** Where a value came from. */
export type Source = 'flag' | 'env' | 'default';

export interface Resolved<T> {
  value: T | undefined;
  source: Source;
}

/** A value that does not parse; the message names the variable (or flag) and the value. */
export class SettingError extends Error {}

/** Raw text to a value: the message of the first issue, or the value. */
function parseRaw<T>(s: Setting<T>, raw: string, label: string): T {
  const r = s.schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  // A parser that already names the variable and the value passes its message on as it is.
  if (issue.code === 'custom' && issue.params?.verbatim === true) {
    throw new SettingError(issue.message);
  }
  throw new SettingError(`${label} ${issue.message}, got ${JSON.stringify(raw)}`);
}

/** One setting from a flag's text, else its variable, else its default. */
export function resolveSetting<T>(
  s: Setting<T>,
  env: NodeJS.ProcessEnv,
  flag?: string,
): Resolved<T> {
  if (flag !== undefined) {
    const label = s.flag?.split(/,\s*/).pop()?.split(' ')[0] ?? s.env ?? 'flag';
    return { value: parseRaw(s, flag, label), source: 'flag' };
  }
  const raw = s.env === undefined ? undefined : env[s.env];
  if (raw !== undefined && (raw !== '' || s.keepEmpty)) {
    return { value: parseRaw(s, raw, s.env!), source: 'env' };
  }
  const d = s.default;
  return {
    value: typeof d === 'function' ? (d as (env: NodeJS.ProcessEnv) => T)(env) : d,
    source: 'default',
  };
}

/** Value type of a definition. */
export type ValueOf<S> = S extends Setting<infer T> ? T : never;

/** Resolves every setting of `defs`; flags by setting name, as the text given. */
export function resolveSettings<D extends Record<string, Setting<unknown>>>(
  defs: D,
  env: NodeJS.ProcessEnv,
  flags: Partial<Record<keyof D, string>> = {},
): { [K in keyof D]: Resolved<ValueOf<D[K]>> } {
  const out: Partial<Record<keyof D, Resolved<unknown>>> = {};
  for (const name of Object.keys(defs) as (keyof D)[]) {
    out[name] = resolveSetting(defs[name]!, env, flags[name]);
  }
  return out as { [K in keyof D]: Resolved<ValueOf<D[K]>> };
}

// Schemas of raw text. Messages read after the variable's name: "X must be ..., got "v"".

/**
 * A whole number written in decimal digits only (up to 15 of them: exact as a number), or
 * undefined: not `0x10`, `1e3`, ` 3000` or `12.0`, which `Number()` would read as numbers.
 */
export function wholeNumber(raw: string): number | undefined {
  // Empty reaches a schema only for a setting that keeps it (`PORT=`: any free port, 0).
  if (raw === '') return 0;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

/** A non-negative integer. */
export const nonNegativeInt = atLeast(0);

/** An integer of at least `min`. */
export function atLeast(min: number): z.ZodType<number, string> {
  return z.string().transform((raw, ctx) => {
    const n = wholeNumber(raw);
    if (n === undefined || n < min) {
      ctx.addIssue({
        code: 'custom',
        message:
          min === 0 ? 'must be a non-negative integer' : `must be an integer of at least ${min}`,
      });
      return z.NEVER;
    }
    return n;
  });
}

/** An integer from `min` to `max`. */
export function intRange(min: number, max: number): z.ZodType<number, string> {
  return z.string().transform((raw, ctx) => {
    const n = wholeNumber(raw);
    if (n === undefined || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });
}

/** Text checked by a parser that throws a complete message (naming variable and value). */
export function checkedBy<T>(parse: (raw: string) => T): z.ZodType<T, string> {
  return z.string().transform((raw, ctx) => {
    try {
      return parse(raw);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message, params: { verbatim: true } });
      return z.NEVER;
    }
  });
}

/** Any text. */
export const text: z.ZodType<string, string> = z.string();

/** Settings of chat-tui and chat-admin, and those the server shares with chat-admin. */
export const SHARED_SETTINGS = {
  stateDir: define<string>({
    env: 'CHAT_STATE_DIR',
    flag: '--state-dir <dir>',
    flagCommand: 'start',
    program: 'chat-admin, chat-server',
    schema: text,
    default: stateDir,
    defaultDoc: '`$XDG_STATE_HOME/chat-tui` or `~/.local/state/chat-tui`',
    doc: "the local cluster's private Redis data, admin token and URL (`chat-admin` reads them)",
  }),
  xdgStateHome: define<string>({
    env: 'XDG_STATE_HOME',
    program: 'chat-admin, chat-server',
    schema: text,
    defaultDoc: '`~/.local/state`',
    doc: 'base of the default state directory',
  }),
  term: define<string>({
    env: 'TERM',
    program: 'chat-tui',
    schema: text,
    defaultDoc: 'set by the terminal',
    doc: 'the terminal type: with the `links` setting at `auto`, `dumb` and `linux` get plain URLs, any other OSC 8 hyperlinks',
  }),
  adminToken: define<string>({
    env: 'CHAT_ADMIN_TOKEN',
    program: 'chat-admin, chat-server',
    schema: text,
    secret: 'all',
    defaultDoc: 'token file in the state dir (`start`); admin API disabled (`instance`)',
    doc: 'admin token (`chat-admin`: after `--token`, before its saved config)',
  }),
  server: define<string>({
    env: 'CHAT_SERVER',
    flag: '-s, --server <url>',
    program: 'chat-admin',
    schema: text,
    defaultDoc: "saved config, the local cluster's URL, `http://127.0.0.1:3000`",
    doc: 'the server `chat-admin` manages',
  }),
  adminConfigDir: define<string>({
    env: 'CHAT_ADMIN_CONFIG_DIR',
    program: 'chat-admin',
    schema: text,
    defaultDoc: '`$XDG_CONFIG_HOME/chat-tui` (file `admin.json`)',
    doc: 'where `chat-admin config` saves the server and token (mode 0600)',
  }),
  loadtestNodeArgs: define<string>({
    env: 'CHAT_LOADTEST_NODE_ARGS',
    program: 'chat-admin',
    schema: text,
    defaultDoc: '',
    doc: "Node options for the load tester's worker processes (space-separated)",
  }),
  tuiConfigDir: define<string>({
    env: 'CHAT_TUI_CONFIG_DIR',
    program: 'chat-tui',
    schema: text,
    defaultDoc: '`$XDG_CONFIG_HOME/chat-tui` (`~/.config/chat-tui`)',
    doc: 'where `chat-tui` keeps its settings and session tokens (mode 0600)',
  }),
} as const;
