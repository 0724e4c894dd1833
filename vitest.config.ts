import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The chaos suite has its own config (one file at a time): `npm run test:chaos`.
    exclude: ['test/chaos/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start their own redis-server and server processes; on a 2-core
    // machine running files in parallel makes them compete for CPU, so keep it modest.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
