import { describe, expect, it } from 'vitest';
import { ChatStore } from '../../src/cli/tui/state/chat-store.js';
import { FakeChat, T0 } from './fake-chat.js';

describe('message pane entries', () => {
  it('are built again only when what they show changed, not on every change', async () => {
    const chat = new FakeChat();
    const store = new ChatStore(chat, { user: 'me', tickMs: 0, now: () => T0 });
    await store.start(['lobby']);
    chat.deliver('lobby', 'ann', 'one');
    const before = store.getSnapshot();
    // The round-trip figure and typing change the snapshot, not the pane's lines.
    chat.rttMs = 7;
    chat.fire('rtt', 7);
    chat.rooms.get('lobby')!.typing.set('ann', T0 + 5000);
    chat.fire('room', 'lobby');
    const after = store.getSnapshot();
    expect(after).not.toBe(before);
    expect(after.rttMs).toBe(7);
    expect(after.entries).toBe(before.entries);
    chat.deliver('lobby', 'ann', 'two');
    const next = store.getSnapshot();
    expect(next.entries).not.toBe(before.entries);
    expect(next.entries.filter((e) => e.kind === 'message').map((e) => e.text)).toEqual([
      'one',
      'two',
    ]);
    await chat.send('lobby', 'mine');
    expect(store.getSnapshot().entries.at(-1)).toMatchObject({ kind: 'message', text: 'mine' });
    store.dispose();
  });
});
