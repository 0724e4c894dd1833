import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const SECTION = /<!-- scale:start -->[\s\S]*<!-- scale:end -->\n?/;

/** The scale section of a RESULTS.md text, if it has one. */
export function scaleSection(md: string): string | undefined {
  return SECTION.exec(md)?.[0];
}

/** Writes the scale section into bench/RESULTS.md (replacing the old one), formatted. */
export async function writeScale(section: string, quick: boolean): Promise<void> {
  const file = path.join(ROOT, quick ? 'bench/out/RESULTS-quick.md' : 'bench/RESULTS.md');
  let md = '';
  try {
    md = readFileSync(file, 'utf8');
  } catch {
    md = '# Benchmark results\n';
  }
  const next = SECTION.test(md)
    ? md.replace(SECTION, `${section}\n`)
    : `${md.trimEnd()}\n\n${section}\n`;
  const out = await prettier.format(next, {
    ...(await prettier.resolveConfig(file)),
    filepath: file,
  });
  writeFileSync(file, out);
  process.stdout.write(`${section}\n`);
}
