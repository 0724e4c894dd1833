import { afterEach, describe, expect, it } from 'vitest';
import { RoomState } from '../../src/client/room-state.js';
import { LEAVE_GRACE_MS, SPOKE_WITHIN_MS } from '../../src/cli/tui/state/presence-lines.js';
import { T0 } from './fake-chat.js';
import { setup, type Harness, plain } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

/** As `presence:updated` does: the room's member list (and count) replaced, then `room`. */
function presence(h: Harness, room: string, members: string[]): void {
  const r = h.chat.rooms.get(room)!;
  r.members = members;
  r.memberCount = members.length;
  h.chat.fire('room', room);
}

describe('join and leave lines', () => {
  it('show for users who spoke in the last 10 minutes, not for the rest (the smart filter)', async () => {
    // The clock stands 3 minutes after bob's message (delivered at T0 + 1 min).
    let clock = T0 + 4 * 60_000;
    h = await setup({
      rooms: ['lobby'],
      now: () => clock,
      before: (chat) => {
        // Bob is in the join's member list, and his message in the history it brings.
        const lobby = new RoomState('lobby');
        lobby.members = ['bob'];
        chat.rooms.set('lobby', lobby);
        chat.deliver('lobby', 'bob', 'brb', { live: false });
      },
    });
    // The first change after the join: bob went (he spoke 3 minutes ago), carol joined (never
    // spoke): told against the join's list. Bob's leave waits its grace.
    presence(h, 'lobby', ['me', 'carol']);
    presence(h, 'lobby', ['me']); // carol left: she never spoke
    presence(h, 'lobby', ['me', 'dave']); // dave joined: never spoke
    // Bob is back within the grace (his instance restarted): he never left, nothing is said.
    clock += LEAVE_GRACE_MS - 1000;
    presence(h, 'lobby', ['me', 'dave', 'bob']);
    h.chat.deliver('lobby', 'carol', 'sync one');
    await h.until((f) => expect(plain(f)).toContain('carol: sync one'));
    expect(plain(h.frame())).not.toMatch(/bob (left|joined)|carol left|dave joined/);
    // Gone for longer than the grace: he left, and the line says so; then back, he joined.
    presence(h, 'lobby', ['me', 'dave']);
    clock += LEAVE_GRACE_MS;
    h.chat.fire('room', 'lobby');
    await h.until((f) => expect(plain(f)).toContain('bob left'));
    presence(h, 'lobby', ['me', 'dave', 'bob']);
    await h.until((f) => expect(plain(f)).toMatch(/bob left[\s\S]*bob joined/));
    expect(plain(h.frame()).match(/bob (left|joined)/g)).toEqual(['bob left', 'bob joined']);
  });

  it('a leave told after its grace goes where the user went, among what was said since', async () => {
    let clock = T0 + 2 * 60_000;
    h = await setup({ rooms: ['lobby'], now: () => clock });
    h.chat.deliver('lobby', 'bob', 'brb'); // at 14:01
    presence(h, 'lobby', ['me', 'bob', 'carol']);
    presence(h, 'lobby', ['me', 'carol']); // bob goes at 14:02
    // Within the grace: carol speaks, and the client adds a line of its own after her.
    clock += 5000;
    h.chat.deliver('lobby', 'carol', 'where did bob go?', { ts: clock });
    await h.enter('/frobnicate');
    await h.until((f) => expect(plain(f)).toContain('unknown command'));
    expect(plain(h.frame())).not.toContain('bob left');
    clock += LEAVE_GRACE_MS + 3 * 60_000;
    h.chat.fire('room', 'lobby');
    await h.until((f) => expect(plain(f)).toContain('bob left'));
    // Dated 14:02, between bob's last words and carol's question; not at the bottom at 14:05.
    const rows = plain(h.frame())
      .split('\n')
      .map((r) => r.split('│')[0]!.trim())
      .filter((r) => /^14:0\d /.test(r));
    expect(rows.slice(-3, -1)).toEqual(['14:02 bob left', '14:02 carol: where did bob go?']);
    expect(rows.at(-1)).toMatch(/^14:02 .*unknown command/);
  });

  it('hide users whose last message is older than the window, ignored users and me', async () => {
    const now = T0 + 60_000 + SPOKE_WITHIN_MS + 1;
    let clock = now;
    h = await setup({ rooms: ['lobby'], now: () => clock });
    presence(h, 'lobby', ['me', 'bob', 'eve']);
    h.chat.deliver('lobby', 'bob', 'old words'); // at T0 + 1 min: just outside the window
    h.chat.deliver('lobby', 'eve', 'recent', { ts: now - 1000 });
    await h.enter('/ignore eve');
    await h.until((f) => expect(plain(f)).toContain('ignoring eve'));
    presence(h, 'lobby', []); // everyone gone, me included (a list seen mid-reconnect)
    clock += LEAVE_GRACE_MS; // past the grace: a leave held would be said now
    h.chat.fire('room', 'lobby');
    h.chat.deliver('lobby', 'carol', 'sync');
    await h.until((f) => expect(plain(f)).toContain('carol: sync'));
    expect(plain(h.frame())).not.toMatch(/(bob|eve|me) left/);
  });

  it('say nothing when the server sent only part of the list', async () => {
    let clock = T0 + 2 * 60_000;
    h = await setup({ rooms: ['lobby'], now: () => clock });
    h.chat.deliver('lobby', 'bob', 'hi');
    const r = h.chat.rooms.get('lobby')!;
    r.members = ['me', 'bob'];
    r.memberCount = 500;
    h.chat.fire('room', 'lobby');
    r.members = ['me'];
    h.chat.fire('room', 'lobby');
    clock += LEAVE_GRACE_MS;
    h.chat.fire('room', 'lobby');
    h.chat.deliver('lobby', 'carol', 'sync');
    await h.until((f) => expect(plain(f)).toContain('carol: sync'));
    expect(plain(h.frame())).not.toContain('bob left');
  });

  it('/join and /leave confirm what they did', async () => {
    h = await setup({ rooms: ['lobby'] });
    const dev = new RoomState('dev');
    dev.members = ['bob', 'carol'];
    dev.memberCount = 12;
    h.chat.rooms.set('dev', dev);
    await h.enter('/join #dev');
    await h.until((f) => expect(plain(f)).toContain('joined #dev (12 members)'));
    await h.enter('/join lobby'); // open already: switches, says no "joined"
    await h.until((f) => expect(plain(f).split('\n').at(-1)).toContain('#lobby>'));
    expect(plain(h.frame())).not.toContain('joined #lobby');
    await h.enter('/leave dev');
    await h.until((f) => expect(plain(f)).toContain('left #dev'));
    await h.enter('/leave');
    await h.until((f) => expect(plain(f)).toContain('you left #lobby; /join a room to chat'));
    await h.enter('/join Bad!');
    await h.until((f) => expect(plain(f)).toContain('is not a room name'));
    expect(plain(h.frame())).not.toContain('joined #bad');
  });
});
