import os from 'node:os';
import path from 'node:path';

/**
 * Where the local cluster keeps its private Redis data, admin token and public URL: the
 * server writes there and the admin console reads there, so both resolve it here.
 */
export function stateDir(env: NodeJS.ProcessEnv): string {
  if (env.CHAT_STATE_DIR) return env.CHAT_STATE_DIR;
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'chat-tui');
}
