import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, setup, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

const inputLine = (f: string): string => f.split('\n').at(-1) ?? '';

async function withMembers(members: string[], rooms = ['lobby']): Promise<Harness> {
  const harness = await setup({ rooms });
  harness.chat.rooms.get('lobby')!.members = ['me', ...members];
  harness.chat.fire('room', 'lobby');
  return harness;
}

/** Ends the line with a marker, sends it, and returns what was sent (spaces show exactly). */
async function sendWithMarker(harness: Harness, marker = 'X'): Promise<string> {
  const before = harness.chat.sent.length;
  await harness.enter(marker);
  await harness.until(() => expect(harness.chat.sent.length).toBe(before + 1));
  return harness.chat.sent.at(-1)!.text;
}

describe('Tab completion', () => {
  it('completes the one member that fits, with ": " at the start of the line', async () => {
    h = await withMembers(['alice', 'bob']);
    h.key('al');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> al'));
    h.key(KEYS.tab);
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> alice:'));
    expect(await sendWithMarker(h)).toBe('alice: X');

    // Elsewhere in the line a name gets a space; `@` in front of it stays, case is ignored.
    h.key('thanks AL');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> thanks AL'));
    h.key(KEYS.tab);
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> thanks alice'));
    expect(await sendWithMarker(h)).toBe('thanks alice X');
    h.key('cc @bo');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> cc @bo'));
    h.key(KEYS.tab);
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> cc @bob'));
    expect(await sendWithMarker(h)).toBe('cc @bob X');
    // Text and its Tab in one read, as `tmux send-keys "al" Tab` writes them.
    h.key('al\t');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> alice:'));
  });

  it('cycles with repeated Tab, back with Shift-Tab; any other key ends the cycle', async () => {
    h = await withMembers(['bob', 'bobby', 'boris', 'alice']);
    h.key('bo');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> bo'));
    const steps: [string, string][] = [
      [KEYS.tab, 'bob:'],
      [KEYS.tab, 'bobby:'],
      [KEYS.tab, 'boris:'],
      [KEYS.tab, 'bob:'], // wraps
      [KEYS.shiftTab, 'boris:'],
      [KEYS.shiftTab, 'bobby:'],
    ];
    for (const [key, shown] of steps) {
      h.key(key);
      await h.until((f) => expect(inputLine(f)).toBe(`#lobby> ${shown}`));
    }
    // Left and Right leave the line as it was, but the cycle is over: Tab after "bobby: "
    // has no word to complete, so it changes nothing (cycling would have given "boris: ").
    h.key(KEYS.left);
    h.key(KEYS.right);
    h.key(KEYS.tab);
    h.key('!');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> bobby: !'));
  });

  it('completes /commands, then user names after /msg and /query', async () => {
    h = await withMembers(['alice'], ['lobby', 'dev']);
    h.chat.rooms.get('dev')!.members = ['me', 'dora'];
    h.key('/que');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> /que'));
    h.key(KEYS.tab);
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> /query'));
    // Users of every open room are offered, not only this room's members.
    h.key(KEYS.tab); // no word yet: every user, in order
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> /query alice'));
    h.key(KEYS.tab);
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> /query dora'));
    h.key(KEYS.ctrlU);
    h.key('/msg d');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> /msg d'));
    h.key(KEYS.tab);
    h.key('hi');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> /msg dora hi'));
    // In the middle of a line, `/` is not a command.
    h.key(KEYS.ctrlU);
    h.key('see /jo');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> see /jo'));
    h.key(KEYS.tab);
    h.key('!');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> see /jo!'));
  });

  it('with no candidate changes nothing, and Tab no longer switches rooms', async () => {
    h = await withMembers(['alice'], ['lobby', 'dev']);
    h.key('zed');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> zed'));
    h.key(KEYS.tab);
    h.key(KEYS.tab);
    h.key('!');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> zed!'));
    // Not my own name, and nothing for an empty word.
    h.key(KEYS.ctrlU);
    h.key('m');
    h.key(KEYS.tab);
    h.key('!');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> m!'));
    h.key(KEYS.ctrlU);
    h.key(KEYS.tab);
    h.key('?');
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> ?'));
    // Ctrl-N and Alt-N still switch.
    h.key(KEYS.ctrlN);
    await h.until((f) => expect(inputLine(f)).toBe('#dev> ?'));
    h.key(KEYS.alt(1));
    await h.until((f) => expect(inputLine(f)).toBe('#lobby> ?'));
  });

  it('in a direct conversation completes the peer', async () => {
    h = await setup();
    await h.enter('/query alice');
    await h.until((f) => expect(inputLine(f)).toBe('@alice>'));
    h.chat.rooms.get('@alice')!.members = ['me']; // the peer is offline: still completed
    h.key('a');
    await h.until((f) => expect(inputLine(f)).toBe('@alice> a'));
    h.key(KEYS.tab);
    await h.until((f) => expect(inputLine(f)).toBe('@alice> alice:'));
  });
});
