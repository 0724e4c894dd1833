import type { Setting, Source } from '../../shared/settings.js';
import type { ResolvedSettings } from './config.js';
import { SERVER_SETTINGS, type ServerSettingName } from './settings.js';

/** One line of `chat-server config`. */
export interface ConfigEntry {
  name: ServerSettingName;
  env: string | null;
  flag: string | null;
  /** The effective value, secrets masked; null when unset. */
  value: string | number | null;
  source: Source;
}

const MASK = '***';

/** A URL with its password (or a user-only userinfo, which Redis reads as the password) masked. */
export function maskUrl(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i,
    (_m, scheme: string, info: string) => {
      const colon = info.indexOf(':');
      return colon >= 0 ? `${scheme}${info.slice(0, colon)}:${MASK}@` : `${scheme}${MASK}@`;
    },
  );
}

/** The value as `chat-server config` may show it. */
export function maskValue(
  setting: Setting<unknown>,
  value: string | number | null,
): string | number | null {
  if (value === null || value === '' || !setting.secret) return value;
  if (setting.secret === 'url') return maskUrl(String(value));
  return MASK;
}

/** The effective server configuration: every setting, its value and where it came from. */
export function configReport(resolved: ResolvedSettings): ConfigEntry[] {
  return (Object.keys(SERVER_SETTINGS) as ServerSettingName[])
    .filter((name) => SERVER_SETTINGS[name].env !== undefined)
    .map((name) => {
      const def = SERVER_SETTINGS[name] as Setting<unknown>;
      const { value, source } = resolved[name];
      const shown = typeof value === 'number' || typeof value === 'string' ? value : null;
      return {
        name,
        env: def.env ?? null,
        flag: def.flag?.split(' <')[0] ?? null,
        value: maskValue(def, shown),
        source,
      };
    });
}

/** The report for people: one setting a line, aligned columns. */
export function formatReport(entries: ConfigEntry[]): string {
  const rows = entries.map((e) => [
    e.env ?? e.name,
    e.value === null ? '(unset)' : String(e.value),
    e.source,
  ]);
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  return rows.map(([a, b, c]) => `${a!.padEnd(w0)}  ${b!.padEnd(w1)}  ${c}`).join('\n') + '\n';
}
