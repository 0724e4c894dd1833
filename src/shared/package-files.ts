import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own files, found from wherever this code runs: a bundle in dist/ (dist/cli,
 * dist/chunks, ...), the sources under a test runner, or an installed copy. A path relative to
 * a module's own URL would break when bundling moves that module into a chunk of its own.
 */

let root: string | undefined;

/** The directory of chat-tui's package.json: the first one named chat-tui above this module. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file) && packageName(file) === 'chat-tui') return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`chat-tui's package.json not found above ${import.meta.url}`);
    dir = up;
  }
}

function packageName(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/**
 * An entry point of the build, e.g. `server/main.js`: a program the package starts as a
 * process of its own (an instance, the private Redis's watchdog, a load generator).
 */
export function distEntry(name: string): string {
  return path.join(packageRoot(), 'dist', name);
}
