import { stripVTControlCharacters } from 'node:util';

/**
 * Where output goes: stdout carries data only (a JSON document or the human table);
 * progress, warnings and errors go to stderr. Commands gather their data first, then call
 * exactly one of `json` or `text`.
 */
export interface Output {
  json(value: unknown): void;
  text(lines: string | string[]): void;
  progress(line: string): void;
  warn(line: string): void;
}

export const stdio: Output = {
  json: (value) => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  text: (lines) =>
    void process.stdout.write(`${(Array.isArray(lines) ? lines : [lines]).join('\n')}\n`),
  progress: (line) => void process.stderr.write(`${line}\n`),
  warn: (line) => void process.stderr.write(`chat-admin: warning: ${line}\n`),
};

/** Remote text (room and user names) is drawn without any control or escape sequence. */
export function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return stripVTControlCharacters(s).replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** Plain aligned columns (no colours, so it pipes cleanly). Numeric columns align right. */
export function table(header: string[], rows: string[][], rightAlign: number[] = []): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (rightAlign.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** `1 session`, `3 sessions`. */
export function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

export function formatUptime(sec: number): string {
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = Math.floor(sec % 60);
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

export function formatRate(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}

export function formatAgo(ts: number, now = Date.now()): string {
  if (!ts) return 'never';
  return `${formatUptime(Math.max(0, Math.round((now - ts) / 1000)))} ago`;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses durations like `60s`, `1.5m`, `1500ms`, `2h`, `7d` or a bare number of seconds (the
 * one parser).
 */
export function parseDuration(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 's']!);
}

/** A duration as people read it: `800 ms`, `60 s`, `1.5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** A UTC date and time to the minute: `2025-06-01 12:00 UTC`. */
export function formatDate(ts: number): string {
  return `${new Date(ts).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
