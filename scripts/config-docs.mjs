// Rewrites the README's configuration tables from the settings' definitions
// (src/server/config/settings.ts, src/shared/settings.ts); run after `npm run build`.
// test/unit/settings-doc.test.ts fails while the README differs from what this writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import { renderConfigSection, replaceConfigSection } from './config-docs-lib.mjs';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const { DOC_START, DOC_END, settingsMarkdown } =
  await import('../dist/server/config/settings-doc.js');
const section = await renderConfigSection(settingsMarkdown(), readmePath);
const before = readFileSync(readmePath, 'utf8');
const after = replaceConfigSection(before, DOC_START, DOC_END, section);
if (after !== before) writeFileSync(readmePath, after);
process.stdout.write(after === before ? 'README.md: up to date\n' : 'README.md: table rewritten\n');
