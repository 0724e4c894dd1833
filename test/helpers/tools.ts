import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { SuiteOptions } from 'vitest';

/**
 * Programs beyond Node and redis-server that some tests drive. On a machine without one, the
 * tests that need it are skipped (and counted in one summary line at the end of the run, see
 * test/helpers/tools-reporter.ts); under `CI=true` a missing one fails the run instead.
 * redis-server is not here: every integration test needs it, so it stays required.
 */
export const TOOLS = {
  nginx: { install: 'apt-get install -y nginx' },
  haproxy: { install: 'apt-get install -y haproxy' },
  tmux: { install: 'apt-get install -y tmux' },
  'docker-compose': { install: 'apt-get install -y docker-compose' },
  'python3-yaml': { install: 'apt-get install -y python3-yaml' },
} as const;

export type Tool = keyof typeof TOOLS;

declare module 'vitest' {
  interface TaskMeta {
    /** Tools this test needs that were missing when it was collected (so it was skipped). */
    missingTools?: Tool[];
  }
}

/**
 * Debian keeps daemons in sbin, which a normal user's PATH often lacks. CHAT_TEST_SBIN
 * overrides the list (empty: PATH only), e.g. to try a machine without nginx on this one.
 */
const SBIN = (process.env.CHAT_TEST_SBIN ?? '/usr/sbin:/sbin').split(':').filter(Boolean);

/** Where `bin` is on PATH (then in sbin when `sbin`), like `which`; undefined if nowhere. */
function which(bin: string, sbin: boolean): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of sbin ? [...dirs, ...SBIN] : dirs) {
    const file = path.join(dir, bin);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Probes one tool: its executable's path, or undefined when it is missing. */
function probe(tool: Tool): string | undefined {
  switch (tool) {
    case 'nginx':
    case 'haproxy':
      return which(tool, true);
    case 'tmux':
    case 'docker-compose':
      return which(tool, false);
    case 'python3-yaml': {
      const python = which('python3', false);
      if (!python) return undefined;
      const r = spawnSync(python, ['-c', 'import yaml'], { stdio: 'ignore' });
      return r.status === 0 ? python : undefined;
    }
  }
}

/**
 * The probe runs once per run: the reporter (main process) probes before any worker starts
 * and hands the result to the workers through this variable; a worker started without it
 * (a config lacking the reporter) probes for itself, once.
 */
const ENV = 'CHAT_TEST_TOOLS';
let found: Partial<Record<Tool, string>> | undefined;

export function probeTools(): Partial<Record<Tool, string>> {
  if (found) return found;
  const inherited = process.env[ENV];
  if (inherited) {
    found = JSON.parse(inherited) as Partial<Record<Tool, string>>;
    return found;
  }
  const result: Partial<Record<Tool, string>> = {};
  for (const tool of Object.keys(TOOLS) as Tool[]) {
    const at = probe(tool);
    if (at) result[tool] = at;
  }
  found = result;
  process.env[ENV] = JSON.stringify(result);
  return result;
}

/** The executable for a tool (for python3-yaml: the python3 that has yaml). */
export function toolPath(tool: Tool): string {
  const at = probeTools()[tool];
  if (!at) throw new Error(missingMessage([tool]));
  return at;
}

export const isCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

export function missingMessage(tools: readonly Tool[]): string {
  return tools.map((t) => `${t} is not installed: ${TOOLS[t].install}`).join('; ');
}

/**
 * Options for a `describe` or `it` whose tests need these tools:
 * `describe('nginx', needs('nginx'), () => ...)`. With every tool present the tests run; with
 * one missing they are skipped and marked for the summary line, except under `CI=true`, where
 * collecting them throws, naming the tool, so the run fails.
 */
export function needs(...tools: Tool[]): SuiteOptions {
  const have = probeTools();
  const missing = tools.filter((t) => !have[t]);
  if (missing.length === 0) return {};
  if (isCI())
    throw new Error(`CI=true and a tool a test needs is missing: ${missingMessage(missing)}`);
  return { skip: true, meta: { missingTools: missing } };
}
