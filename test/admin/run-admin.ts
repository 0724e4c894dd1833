import path from 'node:path';
import { ROOT, runToEnd, tmpDir, type Run } from '../helpers/processes.js';

export const ADMIN_BIN = path.join(ROOT, 'bin/chat-admin.js');

export type AdminRun = Run;

/**
 * Runs the built `chat-admin` as a process. The config and state directories are the test's
 * own, so the user's saved token or local cluster never leak in.
 */
export async function runAdmin(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<AdminRun> {
  const isolated = tmpDir('admin-cfg');
  return runToEnd(process.execPath, [ADMIN_BIN, ...args], {
    env: {
      ...process.env,
      CHAT_ADMIN_TOKEN: undefined,
      CHAT_SERVER: undefined,
      CHAT_ADMIN_CONFIG_DIR: isolated,
      CHAT_STATE_DIR: isolated,
      ...env,
    },
  });
}

/** Runs a command that must succeed and parses its JSON output. */
export async function adminJson<T>(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<T> {
  const r = await runAdmin([...args, '--json'], env);
  if (r.code !== 0) {
    throw new Error(`chat-admin ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  }
  return JSON.parse(r.stdout) as T;
}
