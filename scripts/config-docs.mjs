// Rewrites the configuration tables of docs/configuration.md from the settings' definitions
// (src/server/config/settings.ts, src/shared/settings.ts); run after `npm run build`.
// test/unit/settings-doc.test.ts fails while that file differs from what this writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import { renderConfigSection, replaceConfigSection } from './config-docs-lib.mjs';

const { DOC_FILE, DOC_START, DOC_END, settingsMarkdown } =
  await import('../dist/server/config/settings-doc.js');
const docPath = fileURLToPath(new URL(`../${DOC_FILE}`, import.meta.url));
const section = await renderConfigSection(settingsMarkdown(), docPath);
const before = readFileSync(docPath, 'utf8');
const after = replaceConfigSection(before, DOC_START, DOC_END, section, DOC_FILE);
if (after !== before) writeFileSync(docPath, after);
process.stdout.write(`${DOC_FILE}: ${after === before ? 'up to date' : 'tables rewritten'}\n`);
