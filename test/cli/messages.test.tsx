import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/index.js';
import { T0 } from './fake-chat.js';
import { KEYS, setup, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

const DAY = 24 * 3600_000;

describe('message pane', () => {
  it('shows timestamps, day separators, and distinct text, action, broadcast and gap lines', async () => {
    h = await setup();
    const { chat } = h;
    chat.deliver('lobby', 'alice', 'yesterday’s news', { ts: T0 - DAY });
    chat.deliver('lobby', 'bob', 'good afternoon', { ts: T0 + 5 * 60_000 });
    chat.deliver('lobby', 'bob', 'waves', { kind: 'action', ts: T0 + 6 * 60_000 });
    chat.deliver('lobby', 'admin', 'maintenance at 18:00', {
      kind: 'broadcast',
      ts: T0 + 7 * 60_000,
    });
    chat.rooms.get('lobby')!.gaps.push({ afterSeq: 4, missing: 12 });
    chat.deliver('lobby', 'carol', 'after the gap', { ts: T0 + 8 * 60_000 });
    await h.until((f) => {
      expect(f).toContain('─── Sun 22 Nov 2026 ───');
      expect(f).toContain('14:00 alice: yesterday’s news');
      expect(f).toContain('─── Mon 23 Nov 2026 ───');
      expect(f).toContain('14:05 bob: good afternoon');
      expect(f).toContain('14:06 * bob waves');
      expect(f).toContain('14:07 [broadcast] admin: maintenance at 18:00');
      expect(f).toContain('12 messages missing here');
      expect(f).toContain('14:08 carol: after the gap');
    });
    const f = h.frame();
    expect(f.indexOf('yesterday')).toBeLessThan(f.indexOf('Mon 23 Nov'));
    expect(f.indexOf('missing here')).toBeLessThan(f.indexOf('after the gap'));
  });

  it('marks a message’s own line breaks, so none of its lines passes for another message', async () => {
    h = await setup();
    h.chat.deliver('lobby', 'mallory', 'hello\n14:20 admin: run: curl x | sh', {
      ts: T0 + 60_000,
    });
    h.chat.deliver('lobby', 'bob', 'ok', { ts: T0 + 120_000 });
    await h.until((f) => expect(f).toContain('14:02 bob: ok'));
    const lines = h
      .frame()
      .split('\n')
      .map((l) => l.replace(/ *│.*$/, ''));
    const at = lines.indexOf('14:01 mallory: hello');
    expect(lines.slice(at, at + 3)).toEqual([
      '14:01 mallory: hello',
      '      ┆ 14:20 admin: run: curl x | sh',
      '14:02 bob: ok',
    ]);
  });

  it('marks our own sends pending, failed, then sent (shown once)', async () => {
    h = await setup();
    await h.enter('first words');
    await h.until((f) => expect(f).toContain('me: first words (sending…)'));
    const out = [...h.chat.outgoing.values()][0]!;
    h.chat.settle(out, 'failed');
    await h.until((f) => expect(f).toContain('me: first words ✗ failed, will retry'));
    h.chat.settle(out, 'sent');
    await h.until((f) => {
      expect(f).toContain('me: first words');
      expect(f).not.toContain('failed');
      expect(f).not.toContain('sending');
    });
    expect(h.frame().match(/first words/g)).toHaveLength(1);
  });

  it("shows a refused send's whole reason, wrapped to the pane, not cut", async () => {
    h = await setup();
    await h.enter('a long one');
    const out = [...h.chat.outgoing.values()][0]!;
    out.error = {
      code: ErrorCode.BadRequest,
      message:
        'this room is read-only for new accounts until they have been around for a day; ask a moderator in #help to let you in sooner',
    };
    h.chat.settle(out, 'rejected');
    await h.until((f) => {
      // The pane's rows joined again, without the member list's border.
      const flat = f
        .split('\n')
        .map((l) => l.replace(/│.*$/, '').trim())
        .join(' ');
      expect(flat).toContain('✗ not sent: this room is read-only for new accounts');
      expect(flat).toContain('ask a moderator in #help to let you in sooner');
    });
  });

  it('scrolls with PgUp/PgDn and counts new messages below', async () => {
    h = await setup();
    for (let i = 1; i <= 60; i++) h.chat.deliver('lobby', 'bob', `line ${i}`, { live: false });
    await h.until((f) => expect(f).toContain('bob: line 60'));
    // At the bottom only the newest fit: older lines are not drawn (whatever ends the row).
    expect(h.frame()).not.toMatch(/bob: line 30\b/);
    expect(h.frame()).not.toMatch(/bob: line 1\b/);

    h.key(KEYS.pageUp);
    await h.until((f) => {
      expect(f).not.toContain('line 60');
      expect(f).toMatch(/more below/);
    });
    h.key(KEYS.pageUp);
    await h.until((f) => expect(f).toMatch(/bob: line 2\d\b/));

    h.chat.deliver('lobby', 'alice', 'news while scrolled');
    h.chat.deliver('lobby', 'alice', 'more news');
    await h.until((f) => expect(f).toContain('↓ 2 new messages below (PgDn)'));
    expect(h.frame()).not.toContain('more news');

    for (let i = 0; i < 3; i++) h.key(KEYS.pageDown);
    await h.until((f) => {
      expect(f).toContain('alice: more news');
      expect(f).not.toContain('new messages below');
    });

    h.key(KEYS.pageUp);
    await h.until((f) => expect(f).toMatch(/more below/));
    h.key(KEYS.end);
    await h.until((f) => expect(f).not.toMatch(/more below/));
  });

  it('a command entered while scrolled up is answered in view, at the bottom', async () => {
    h = await setup();
    for (let i = 1; i <= 60; i++) h.chat.deliver('lobby', 'bob', `line ${i}`, { live: false });
    await h.until((f) => expect(f).toContain('bob: line 60'));
    h.key(KEYS.pageUp);
    h.key(KEYS.pageUp);
    await h.until((f) => expect(f).toMatch(/more below/));
    await h.enter('/frobnicate');
    await h.until((f) => {
      expect(f).toMatch(/unknown command.*frobnicate|frobnicate.*unknown/i);
      expect(f).toContain('bob: line 60');
      expect(f).not.toMatch(/more below/);
    });
  });

  it('fits 80x24 with the member list, and folds it away when narrow', async () => {
    h = await setup({ columns: 80, rows: 24 });
    h.chat.rooms.get('lobby')!.members = ['me', 'alice', 'bob'];
    h.chat.deliver('lobby', 'alice', 'hi');
    h.chat.deliver('lobby', 'bob', 'a long line that wraps '.repeat(8));
    await h.until((f) => expect(f).toContain('│ 3 online'));
    const lines = h.frame().split('\n');
    expect(lines).toHaveLength(24);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    // Wrapped text stays in the message pane, indented under the timestamp column.
    const pane = lines.slice(3, 22);
    expect(pane.every((l) => l.indexOf('│') === 80 - 18)).toBe(true);
    expect(pane.filter((l) => l.startsWith('      ') && l.includes('wraps'))).not.toHaveLength(0);
    h.unmount();

    h = await setup({ columns: 60, rows: 20 });
    h.chat.rooms.get('lobby')!.members = ['me', 'alice', 'bob'];
    h.chat.deliver('lobby', 'alice', 'hi');
    await h.until((f) => expect(f).toContain('alice: hi'));
    expect(h.frame()).not.toContain('online');
    expect(h.frame().split('\n')).toHaveLength(20);
  });

  it('shows who is typing', async () => {
    h = await setup();
    h.chat.rooms.get('lobby')!.typing.set('alice', T0 + 5000);
    h.chat.fire('room', 'lobby');
    await h.until((f) => expect(f).toContain('alice is typing…'));
    h.chat.rooms.get('lobby')!.typing.set('bob', T0 + 5000);
    h.chat.fire('room', 'lobby');
    await h.until((f) => expect(f).toContain('alice and bob are typing…'));
  });
});
