import { resetUserNames } from './cluster.js';

/**
 * Runs before each test file of the process-driving projects (vitest's `setupFiles`), whose
 * files share their modules within a worker: what a file would have had to itself, it gets.
 */
resetUserNames();
