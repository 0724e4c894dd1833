import type { Reporter, TestModule } from 'vitest/node';
import { TOOLS, isCI, missingMessage, probeTools, type Tool } from './tools.js';

/**
 * Adds one line at the end of a run that skipped tests for missing tools: each tool, how many
 * tests it skipped, and the command that installs it. Probing in `onInit` (before any worker
 * starts) means the tools are checked once per run; the workers inherit the result.
 */
export class ToolsReporter implements Reporter {
  onInit(): void {
    const have = probeTools();
    const missing = (Object.keys(TOOLS) as Tool[]).filter((t) => !have[t]);
    if (missing.length > 0 && isCI()) {
      process.stderr.write(`\nCI=true: missing tools fail the run: ${missingMessage(missing)}\n`);
    }
  }

  onTestRunEnd(modules: readonly TestModule[]): void {
    const skipped = new Map<Tool, number>();
    for (const m of modules) {
      for (const t of m.children.allTests('skipped')) {
        for (const tool of t.meta().missingTools ?? []) {
          skipped.set(tool, (skipped.get(tool) ?? 0) + 1);
        }
      }
    }
    if (skipped.size === 0) return;
    const parts = [...skipped].map(
      ([tool, n]) => `${tool} (${n} test${n === 1 ? '' : 's'}: ${TOOLS[tool].install})`,
    );
    process.stdout.write(
      `\n!!! SKIPPED FOR MISSING TOOLS: ${parts.join(', ')} -- install them to run everything; CI=true fails instead of skipping\n`,
    );
  }
}
