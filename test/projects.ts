import type { TestProjectConfiguration } from 'vitest/config';

/**
 * How the suite's files are split into vitest projects, shared by `vitest.config.ts`
 * (`npm test`) and `vitest.fast.config.ts` (`npm run test:fast`).
 *
 * The fast files need no Redis, no server processes and no tools beyond Node: unit tests and
 * the components' tests. They share their modules within a worker (`isolate: false`):
 * importing Ink, React and Socket.IO once per worker instead of once per file is most of
 * their time (on 2 cores: about 19 s shared against 52 s isolated). A test that starts
 * processes belongs elsewhere (the TUI's store on a real cluster is
 * `test/integration/tui-store.test.ts`); a file here that sets the environment before its
 * imports load (`vi.hoisted`: FORCE_COLOR for the colours a test reads) needs modules of its
 * own, so it runs isolated, in `OWN_MODULES`.
 */
export const FAST = [
  'test/unit/**/*.test.ts',
  'test/unit/**/*.test.tsx',
  'test/cli/**/*.test.ts',
  'test/cli/**/*.test.tsx',
  'test/admin/pure.test.ts',
  'test/loadtest/report.test.ts',
  'test/loadtest/seq-flags.test.ts',
  'test/loadtest/live-progress.test.tsx',
];
export const OWN_MODULES = ['test/cli/direct.test.tsx', 'test/cli/mentions.test.tsx'];

/** The two projects of the fast files, for a config's `projects`. */
export const FAST_PROJECTS: TestProjectConfiguration[] = [
  {
    extends: true,
    test: { name: 'fast', include: FAST, exclude: OWN_MODULES, isolate: false },
  },
  { extends: true, test: { name: 'fast-own-modules', include: OWN_MODULES } },
];
