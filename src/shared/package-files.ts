import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own files, found from wherever this code runs: a bundle in dist/ (dist/cli,
 * dist/chunks, ...), the sources under a test runner, or an installed copy. A path relative to
 * a module's own URL would break when bundling moves that module into a chunk of its own.
 */

/** What this code reads of chat-tui's package.json. */
interface Manifest {
  name?: string;
  version?: string;
}

let found: { root: string; manifest: Manifest } | undefined;

/** chat-tui's package.json (the first one named chat-tui above this module) and its directory. */
function findPackage(): { root: string; manifest: Manifest } {
  if (found) return found;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = readManifest(path.join(dir, 'package.json'));
    if (manifest?.name === 'chat-tui') return (found = { root: dir, manifest });
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`chat-tui's package.json not found above ${import.meta.url}`);
    dir = up;
  }
}

function readManifest(file: string): Manifest | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** The directory of chat-tui's package.json. */
export function packageRoot(): string {
  return findPackage().root;
}

/** The package's version, as its package.json says. */
export function packageVersion(): string | undefined {
  return findPackage().manifest.version;
}

/**
 * An entry point of the build, e.g. `server/main.js`: a program the package starts as a
 * process of its own (an instance, the private Redis's watchdog, a load generator).
 */
export function distEntry(name: string): string {
  return path.join(packageRoot(), 'dist', name);
}
