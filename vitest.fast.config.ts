import { defineConfig } from 'vitest/config';
import { FAST_PROJECTS } from './test/projects.js';

/**
 * `npm run test:fast`, the inner loop: the fast files of `test/projects.ts` (unit tests and
 * the components' tests), which need no Redis, no server processes and no tools beyond Node.
 */
export default defineConfig({
  test: {
    testTimeout: 20_000,
    maxWorkers: 2,
    projects: FAST_PROJECTS,
  },
});
