import { rmSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Settings } from '../../src/cli/settings.js';
import { tmpDir } from '../helpers/processes.js';
import { KEYS, setup, type Harness, plain, tabs } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('/ignore and /unignore', () => {
  it("hides the user's messages, counts and rings nothing for them, and survives a restart", async () => {
    const dir = tmpDir('ignore');
    dirs.push(dir);
    h = await setup({ rooms: ['lobby', 'dev'], ignore: new Settings(dir) });
    h.chat.deliver('lobby', 'bob', 'before the ignore');
    await h.until((f) => expect(plain(f)).toContain('before the ignore'));
    await h.enter('/ignore bob');
    await h.until((f) => {
      expect(plain(f)).toContain('ignoring bob: their messages and DMs are hidden');
      expect(plain(f)).not.toContain('before the ignore');
    });
    const bells = h.bells();
    h.chat.deliver('lobby', 'bob', 'me: ignored mention');
    h.chat.deliver('dev', 'bob', 'me: in dev too');
    h.chat.deliver('dev', 'carol', 'carol speaks');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:#dev 1'));
    expect(plain(h.frame())).not.toContain('ignored mention');
    expect(h.bells()).toBe(bells);
    // A DM from them opens no tab and rings nothing.
    h.chat.openedBy('bob', ['hello me']);
    h.chat.deliver('lobby', 'carol', 'after the dm');
    await h.until((f) => expect(plain(f)).toContain('after the dm'));
    expect(tabs(h.frame())).toBe('1:#lobby 2:#dev 1');
    expect(h.bells()).toBe(bells);
    await h.enter('/ignore');
    await h.until((f) => expect(plain(f)).toContain('ignoring bob (/unignore <user>)'));
    expect(new Settings(dir).ignored).toEqual(['bob']);
    h.unmount();

    // A new run reads the list from the settings.
    h = await setup({ rooms: ['lobby'], ignore: new Settings(dir) });
    h.chat.deliver('lobby', 'bob', 'still hidden');
    h.chat.deliver('lobby', 'carol', 'shown');
    await h.until((f) => expect(plain(f)).toContain('carol: shown'));
    expect(plain(h.frame())).not.toContain('still hidden');
    await h.enter('/unignore bob');
    await h.until((f) => {
      expect(plain(f)).toContain('no longer ignoring bob: their messages and DMs show again');
      expect(plain(f)).toContain('bob: still hidden');
    });
    expect(new Settings(dir).ignored).toEqual([]);
    h.chat.deliver('lobby', 'bob', 'me: new one');
    await h.until((f) => expect(plain(f)).toContain('bob: me: new one'));
    expect(h.bells()).toBe(1);
  });

  it('an ignored DM conversation gets its tab after /unignore, and new DMs show', async () => {
    h = await setup({ rooms: ['lobby'] });
    await h.enter('/ignore @bob');
    await h.until((f) => expect(plain(f)).toContain('ignoring bob'));
    h.chat.openedBy('bob', ['hidden dm']);
    h.chat.deliver('lobby', 'carol', 'sync');
    await h.until((f) => expect(plain(f)).toContain('carol: sync'));
    expect(tabs(h.frame())).toBe('1:#lobby');
    await h.enter('/unignore bob');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@bob 1 (1)'));
    h.chat.deliver('@bob', 'bob', 'new dm');
    await h.until((f) => expect(tabs(f)).toBe('1:#lobby 2:@bob 2 (2)'));
    h.key(KEYS.alt(2));
    await h.until((f) => expect(plain(f)).toContain('bob: new dm'));
  });

  it('bad input gets a clear error and changes nothing', async () => {
    h = await setup({ rooms: ['lobby'] });
    await h.enter('/ignore Bad!Name');
    await h.until((f) => expect(plain(f)).toContain('"bad!name" is not a user name'));
    await h.enter('/unignore');
    await h.until((f) => expect(plain(f)).toContain('usage: /unignore <user>'));
    await h.enter('/unignore bob');
    await h.until((f) => expect(plain(f)).toContain('you are not ignoring bob'));
    await h.enter('/ignore me');
    await h.until((f) => expect(plain(f)).toContain('you cannot ignore yourself'));
    await h.enter('/ignore bob carol');
    await h.until((f) => expect(plain(f)).toContain('usage: /ignore <user> (one at a time)'));
    await h.enter('/ignore');
    await h.until((f) => expect(plain(f)).toContain('you are ignoring nobody'));
    expect(h.store.ignoring.list).toEqual([]);
  });
});
