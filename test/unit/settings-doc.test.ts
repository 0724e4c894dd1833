import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOC_END, DOC_START, settingsMarkdown } from '../../src/server/config/settings-doc.js';
import { renderConfigSection, replaceConfigSection } from '../../scripts/config-docs-lib.mjs';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

describe("the README's configuration table", () => {
  it('is what the settings definitions generate (npm run docs:config rewrites it)', async () => {
    const readme = readFileSync(README, 'utf8');
    const section = await renderConfigSection(settingsMarkdown(), README);
    expect(replaceConfigSection(readme, DOC_START, DOC_END, section)).toBe(readme);
  });
});
