import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENTRIES } from '../../scripts/bundle.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/**
 * dist/ holds one bundle per program (scripts/bundle.mjs): a program started by path (a bin, or
 * a process the package forks) that is not one of them would be missing from a build.
 */
describe('the bundled programs', () => {
  it('are every program the bins import and the sources start by path, and their sources exist', () => {
    const started = new Set<string>();
    for (const bin of readdirSync(path.join(ROOT, 'bin'))) {
      const text = readFileSync(path.join(ROOT, 'bin', bin), 'utf8');
      for (const m of text.matchAll(/['"]\.\.\/dist\/([\w/-]+)\.js['"]/g)) started.add(m[1]!);
    }
    for (const file of sources(path.join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/distEntry\('([\w/-]+)\.js'\)/g)) started.add(m[1]!);
    }
    expect([...started].sort()).toEqual(Object.keys(ENTRIES).sort());
    for (const src of Object.values(ENTRIES))
      expect(existsSync(path.join(ROOT, src)), src).toBe(true);
  });
});
