import { defineConfig } from 'vitest/config';

/**
 * `npm run test:fast`, the inner loop: unit tests and the components' tests, which need no
 * Redis, no server processes and no tools beyond Node. A file here that starts a cluster
 * belongs in `exclude` (it still runs in `npm test`).
 */
export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/unit/**/*.test.tsx',
      'test/cli/**/*.test.ts',
      'test/cli/**/*.test.tsx',
      'test/admin/pure.test.ts',
      'test/loadtest/report.test.ts',
      'test/loadtest/seq-flags.test.ts',
      'test/loadtest/live-progress.test.tsx',
    ],
    // The TUI's state on a real 3-instance cluster with a SIGKILL.
    exclude: ['test/cli/store-cluster.test.ts'],
    testTimeout: 20_000,
    maxWorkers: 2,
  },
});
