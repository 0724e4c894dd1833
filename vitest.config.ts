import { defineConfig } from 'vitest/config';
import { ToolsReporter } from './test/helpers/tools-reporter.js';
import { FAST, FAST_PROJECTS } from './test/projects.js';

/**
 * The shared integration suite: these files run twice, once on one redis-server and once on a
 * 3-master Redis Cluster (CHAT_TEST_BACKEND=cluster; see test/helpers/cluster.ts), as
 * Socket.IO runs its adapter suite against several Redis set-ups.
 */
const SHARED = [
  'test/integration/messaging.test.ts',
  'test/integration/epoch.test.ts',
  'test/integration/presence.test.ts',
  'test/integration/sessions.test.ts',
  'test/integration/flood-penalty.test.ts',
  'test/integration/status.test.ts',
  'test/integration/status-rooms.test.ts',
  'test/integration/direct.test.ts',
  'test/integration/membership-race.test.ts',
  'test/integration/reads.test.ts',
  'test/integration/edits.test.ts',
  'test/integration/marks.test.ts',
  'test/integration/away.test.ts',
  'test/admin/cluster.test.ts',
  'test/admin/users.test.ts',
];
/** Files that pick the cluster backend themselves. */
const CLUSTER_ONLY = ['test/integration/cluster-paths.test.ts'];

export default defineConfig({
  test: {
    // The default report, then one line naming tools whose tests were skipped (test/helpers/tools.ts).
    reporters: ['default', new ToolsReporter()],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start their own redis-server and server processes; on a 2-core
    // machine running files in parallel makes them compete for CPU, so keep it modest.
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      // Unit and component tests, sharing their modules within a worker (test/projects.ts).
      ...FAST_PROJECTS,
      {
        extends: true,
        test: {
          name: 'single',
          // Files share their modules within a worker (importing Socket.IO, ioredis and the
          // sources once per worker, not once per file); what one file must not inherit from
          // the one before is reset by the setup file.
          isolate: false,
          setupFiles: ['test/helpers/per-file.ts'],
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          // The chaos suite has its own config (one file at a time): `npm run test:chaos`.
          exclude: ['test/chaos/**', 'node_modules/**', ...CLUSTER_ONLY, ...FAST],
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: [...SHARED, ...CLUSTER_ONLY],
          env: { CHAT_TEST_BACKEND: 'cluster' },
        },
      },
    ],
  },
});
