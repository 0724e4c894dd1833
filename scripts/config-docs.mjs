// Rewrites the configuration tables of docs/configuration.md from the settings' definitions
// (src/server/config/settings.ts, src/shared/settings.ts), bundled from the sources for this
// run. test/unit/settings-doc.test.ts fails while that file differs from what this writes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import { bundle } from './bundle.mjs';
import { renderConfigSection, replaceConfigSection } from './config-docs-lib.mjs';

const out = mkdtempSync(path.join(tmpdir(), 'chat-config-docs-'));
let doc;
try {
  await bundle({ 'settings-doc': 'src/server/config/settings-doc.ts' }, out);
  doc = await import(pathToFileURL(path.join(out, 'settings-doc.js')).href);
} finally {
  rmSync(out, { recursive: true, force: true });
}
const { DOC_FILE, DOC_START, DOC_END, settingsMarkdown } = doc;
const docPath = fileURLToPath(new URL(`../${DOC_FILE}`, import.meta.url));
const section = await renderConfigSection(settingsMarkdown(), docPath);
const before = readFileSync(docPath, 'utf8');
const after = replaceConfigSection(before, DOC_START, DOC_END, section, DOC_FILE);
if (after !== before) writeFileSync(docPath, after);
process.stdout.write(`${DOC_FILE}: ${after === before ? 'up to date' : 'tables rewritten'}\n`);
