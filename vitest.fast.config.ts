import { defineConfig } from 'vitest/config';

/**
 * `npm run test:fast`, the inner loop: unit tests and the components' tests, which need no
 * Redis, no server processes and no tools beyond Node. A file here that starts a cluster
 * belongs in `CLUSTERED` (it still runs in `npm test`).
 *
 * The files share their modules within a worker (`isolate: false`): importing Ink, React and
 * Socket.IO once per worker instead of once per file is most of the time saved. A file that
 * sets the environment before its imports load (`vi.hoisted`: FORCE_COLOR for the colours a
 * test reads) needs modules of its own, so it runs isolated, in `OWN_MODULES`.
 */
const FAST = [
  'test/unit/**/*.test.ts',
  'test/unit/**/*.test.tsx',
  'test/cli/**/*.test.ts',
  'test/cli/**/*.test.tsx',
  'test/admin/pure.test.ts',
  'test/loadtest/report.test.ts',
  'test/loadtest/seq-flags.test.ts',
  'test/loadtest/live-progress.test.tsx',
];
/** The TUI's state on a real 3-instance cluster with a SIGKILL. */
const CLUSTERED = ['test/cli/store-cluster.test.ts'];
const OWN_MODULES = ['test/cli/direct.test.tsx', 'test/cli/mentions.test.tsx'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: FAST,
          exclude: [...CLUSTERED, ...OWN_MODULES],
          isolate: false,
        },
      },
      { extends: true, test: { name: 'fast-own-modules', include: OWN_MODULES } },
    ],
  },
});
