import type { Command } from 'commander';
import { AdminClient } from './connection.js';
import { stdio, type Output } from './output.js';
import { resolveTarget, type GlobalFlags, type Target } from './settings.js';

/** What a command's action works with: the resolved target, output, and a connection. */
export interface CommandContext {
  env: NodeJS.ProcessEnv;
  out: Output;
  target(): Promise<Target>;
  /** Connects once (later calls return the same client); closed when the command ends. */
  client(): Promise<AdminClient>;
}

/**
 * Runs a command's body with a context built from the program's global flags, and closes
 * whatever it opened. Errors propagate to `main`, which turns them into exit codes.
 */
export async function withContext(
  cmd: Command,
  body: (ctx: CommandContext) => Promise<void>,
): Promise<void> {
  const flags = cmd.optsWithGlobals<GlobalFlags>();
  const env = process.env;
  let target: Promise<Target> | undefined;
  let client: Promise<AdminClient> | undefined;
  const ctx: CommandContext = {
    env,
    out: stdio,
    target: () => (target ??= resolveTarget(flags, env)),
    client: () => (client ??= ctx.target().then((t) => AdminClient.connect(t))),
  };
  try {
    await body(ctx);
  } finally {
    if (client) await client.then((c) => c.close()).catch(() => undefined);
  }
}
