import { SHARED_SETTINGS, type Setting } from '../../shared/settings.js';
import { SERVER_SETTINGS } from './settings.js';

/** The document that holds the generated tables (path from the repository's root). */
export const DOC_FILE = 'docs/configuration.md';

/** Where the generated tables sit in {@link DOC_FILE} (`npm run docs:config` rewrites between). */
export const DOC_START =
  '<!-- settings:start (generated from src/server/config/settings.ts: npm run docs:config) -->';
export const DOC_END = '<!-- settings:end -->';

const code = (s: string): string => `\`${s}\``;
const cell = (s: string): string => s.replace(/\|/g, '\\|');

function flagCell(s: Setting<unknown>): string {
  if (!s.flag) return '';
  const flag = s.flag.split(' <')[0]!;
  return code(s.flagCommand ? `${s.flagCommand} ${flag}` : flag);
}

function defaultCell(s: Setting<unknown>): string {
  if (s.defaultDoc !== undefined) return s.defaultDoc;
  const d = s.default;
  return typeof d === 'string' || typeof d === 'number' ? code(String(d)) : '';
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * The configuration tables of {@link DOC_FILE}, from the definitions (unformatted markdown:
 * the docs script and its test pass it through prettier, as the document is).
 */
export function settingsMarkdown(): string {
  const server = Object.values(SERVER_SETTINGS) as Setting<unknown>[];
  const others = (Object.values(SHARED_SETTINGS) as Setting<unknown>[]).filter(
    (s) => !server.includes(s),
  );
  return [
    table(
      ['Flag', 'Environment', 'Default', 'Meaning'],
      server.map((s) => [flagCell(s), s.env ? code(s.env) : '', defaultCell(s), s.doc]),
    ),
    '',
    'Read by `chat-tui` and `chat-admin` only:',
    '',
    table(
      ['Program', 'Flag', 'Environment', 'Default', 'Meaning'],
      others.map((s) => [s.program, flagCell(s), code(s.env!), defaultCell(s), s.doc]),
    ),
  ].join('\n');
}
