// Builds dist/: each program the package runs (the three bins, and the processes they start)
// bundled with its dependencies by esbuild, straight from src/ (tsc only checks the types:
// `npm run typecheck`). One file per program instead of ~200 modules makes a process start
// with about half the CPU (module resolution and loading were most of it), which every
// instance start, rolling restart and CLI run pays. Code only some commands use stays in
// chunks of its own (dist/chunks), loaded when one of them runs.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Program name (its path under dist/, without .js) -> its source. */
export const ENTRIES = {
  'server/main': 'src/server/main.ts',
  'server/local-cluster/redis-watchdog': 'src/server/local-cluster/redis-watchdog.ts',
  'cli/main': 'src/cli/main.ts',
  'admin/main': 'src/admin/main.ts',
  'admin/loadtest/worker': 'src/admin/loadtest/worker.ts',
};

/**
 * Bundles `entries` into `outdir`. CommonJS dependencies call `require` for Node's own
 * modules, which an ES module does not have: each file gets one from `createRequire`.
 */
export async function bundle(entries, outdir) {
  await build({
    absWorkingDir: root,
    entryPoints: entries,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    chunkNames: 'chunks/[name]-[hash]',
    // Ink's React DevTools bridge, imported only when DEV=true, is not a dependency.
    external: ['react-devtools-core'],
    banner: {
      js: "import { createRequire as __chatCreateRequire } from 'node:module';\nconst require = __chatCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = path.join(root, 'dist');
  rmSync(out, { recursive: true, force: true });
  await bundle(ENTRIES, out);
}
