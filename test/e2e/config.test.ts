import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, killAll, runToEnd, type Run } from '../helpers/processes.js';

afterAll(killAll);

/** Runs the built `chat-server config ...` with `env` over a clean environment. */
function runConfig(args: string[], env: Record<string, string>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
  return runToEnd(process.execPath, [path.join(ROOT, 'bin/chat-server.js'), 'config', ...args], {
    env: childEnv,
  });
}

interface Entry {
  name: string;
  env: string | null;
  value: string | number | null;
  source: string;
}

describe('chat-server config', () => {
  it('--json prints each setting with its value and source, secrets masked', async () => {
    const { code, stdout, stderr } = await runConfig(['--json', '--port', '4100'], {
      PORT: '4000',
      CHAT_HISTORY_MAX: '123',
      CHAT_ADMIN_TOKEN: 'tok-e2e-secret',
      REDIS_URL: 'redis://app:pw-e2e-secret@127.0.0.1:6390/0',
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { settings } = JSON.parse(stdout) as { settings: Entry[] };
    const by = new Map(settings.map((e) => [e.env, e]));
    expect(by.get('PORT')).toMatchObject({ value: 4100, source: 'flag' });
    expect(by.get('CHAT_HISTORY_MAX')).toMatchObject({ value: 123, source: 'env' });
    expect(by.get('CHAT_SESSION_TTL_SEC')).toMatchObject({ value: 2_592_000, source: 'default' });
    expect(by.get('CHAT_ADMIN_TOKEN')).toMatchObject({ value: '***', source: 'env' });
    expect(by.get('REDIS_URL')).toMatchObject({
      value: 'redis://app:***@127.0.0.1:6390/0',
      source: 'env',
    });
    expect(stdout).not.toContain('e2e-secret');
  });

  it('refuses a bad value naming the variable, exit 1, nothing on stdout', async () => {
    const { code, stdout, stderr } = await runConfig([], { CHAT_DRAIN_GRACE_MS: 'soon' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('CHAT_DRAIN_GRACE_MS must be a non-negative integer, got "soon"');
  });
});
