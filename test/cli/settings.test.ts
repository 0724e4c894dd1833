import { readFileSync, rmSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { configCommand } from '../../src/cli/commands/config.js';
import { CliError, Exit } from '../../src/cli/errors.js';
import { Settings } from '../../src/cli/settings.js';
import { tmpDir as makeTmpDir } from '../helpers/processes.js';

const dirs: string[] = [];
const tmpDir = (prefix: string): string => {
  const d = makeTmpDir(prefix);
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Runs `chat-tui config ...` in-process against `dir`, returning what it printed. */
async function config(dir: string, ...args: string[]): Promise<string> {
  vi.stubEnv('CHAT_TUI_CONFIG_DIR', dir);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    await configCommand().parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('the bell setting', () => {
  it('rings for mentions by default and can be turned off and on', () => {
    const dir = tmpDir('bell');
    const s = new Settings(dir);
    expect(s.bell).toBe('mentions');
    s.set('bell', 'off');
    expect(new Settings(dir).bell).toBe('off');
    expect(JSON.parse(readFileSync(new Settings(dir).path, 'utf8'))).toMatchObject({
      bell: 'off',
    });
    s.set('bell', 'Mentions');
    expect(new Settings(dir).get('bell')).toBe('mentions');
  });

  it('refuses other values with a usage error and keeps the old one', () => {
    const dir = tmpDir('bell');
    const s = new Settings(dir);
    s.set('bell', 'off');
    let err: unknown;
    try {
      s.set('bell', 'loud');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toBe('bell must be one of mentions, off, not "loud"');
    expect((err as CliError).exitCode).toBe(Exit.Usage);
    expect(new Settings(dir).bell).toBe('off');
  });

  it('`chat-tui config` shows and sets it like the other keys', async () => {
    const dir = tmpDir('bell');
    expect(await config(dir, 'get', 'bell')).toBe('mentions\n');
    expect(JSON.parse(await config(dir, 'get'))).toEqual({
      bell: 'mentions',
      notify: 'off',
      links: 'auto',
    });
    await config(dir, 'set', 'bell', 'off');
    expect(await config(dir, 'get', 'bell')).toBe('off\n');
    await config(dir, 'set', 'user', 'alice');
    expect(JSON.parse(await config(dir, 'get'))).toEqual({
      user: 'alice',
      bell: 'off',
      notify: 'off',
      links: 'auto',
    });
    await expect(config(dir, 'set', 'bell', 'sometimes')).rejects.toThrow(
      'bell must be one of mentions, off',
    );
    expect(await config(dir, 'get', 'bell')).toBe('off\n');
  });
});

describe('the notify setting and the ignore list', () => {
  it('notify is off by default, takes osc777 or osc9, and refuses anything else', () => {
    const dir = tmpDir('notify');
    const s = new Settings(dir);
    expect(s.notify).toBe('off');
    s.set('notify', 'OSC777');
    expect(new Settings(dir).notify).toBe('osc777');
    expect(() => s.set('notify', 'loud')).toThrow('notify must be one of off, osc777, osc9');
    expect(new Settings(dir).get('notify')).toBe('osc777');
  });

  it('the ignore list is kept in the settings file', () => {
    const dir = tmpDir('ignore');
    new Settings(dir).ignored = ['bob', 'carol'];
    expect(new Settings(dir).ignored).toEqual(['bob', 'carol']);
  });
});
