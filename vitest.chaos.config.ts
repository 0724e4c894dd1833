import { defineConfig } from 'vitest/config';
import { ToolsReporter } from './test/helpers/tools-reporter.js';

/**
 * The chaos suite: each file runs a 3-instance cluster under load and injects faults, so the
 * files run one at a time (they measure reconnect times and memory, which parallel files on a
 * 2-core machine would distort).
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    reporters: ['default', new ToolsReporter()],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
