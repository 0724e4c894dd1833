import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DOC_END,
  DOC_FILE,
  DOC_START,
  settingsMarkdown,
} from '../../src/server/config/settings-doc.js';
import { renderConfigSection, replaceConfigSection } from '../../scripts/config-docs-lib.mjs';

const DOC = fileURLToPath(new URL(`../../${DOC_FILE}`, import.meta.url));

describe(`the configuration tables of ${DOC_FILE}`, () => {
  it('are what the settings definitions generate (npm run docs:config rewrites them)', async () => {
    const doc = readFileSync(DOC, 'utf8');
    const section = await renderConfigSection(settingsMarkdown(), DOC);
    expect(replaceConfigSection(doc, DOC_START, DOC_END, section, DOC_FILE)).toBe(doc);
  });

  it('is the only place they are written', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    expect(readme).not.toContain(DOC_START);
  });
});
