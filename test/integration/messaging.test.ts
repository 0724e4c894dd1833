import { describe, expect, it } from 'vitest';
import type { ChatClient } from '../../src/client/chat-client.js';
import type { OutgoingMessage } from '../../src/client/types.js';
import { connectUser, until, useCluster } from '../helpers/cluster.js';

const cluster = useCluster(3);
const { clients } = cluster;

async function user(servers: string[]): Promise<ChatClient> {
  const { client } = await connectUser(servers);
  clients.push(client);
  return client;
}

const ids = (c: ChatClient, room: string): string[] =>
  c.rooms.get(room)?.messages.map((m) => m.id) ?? [];

describe('messages across instances', () => {
  it('a send that came back to its room leaves the outbox: the room shows it from then on', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const sender = await user([a]);
    const other = await user([b]);
    await sender.join('outbox-room');
    await other.join('outbox-room');
    const sent = await Promise.all(
      Array.from({ length: 5 }, (_, i) => sender.send('outbox-room', `kept once ${i}`)),
    );
    await until(sender, () => ids(sender, 'outbox-room').length === 5, 10_000, 'all five back');
    expect(sent.map((o) => o.state)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    // Kept, they would be drawn again as sends of their own once the window let them go.
    expect([...sender.outgoing.values()]).toEqual([]);
  });

  it('reach members on every instance with the same ids in the same order', async () => {
    const [a, b, c] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const onA = await user([a]);
    const onB = await user([b]);
    const onC = await user([c]);
    for (const cl of [onA, onB, onC]) await cl.join('lobby');
    expect(onB.welcome?.instanceId).toBe('chat-2');

    // Senders on two instances interleave; ordering is by the room's stream ids.
    const sent = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? onA : onC).send('lobby', `hello ${i}`)),
    );
    expect(sent.every((o) => o.state === 'sent')).toBe(true);
    for (const cl of [onA, onB, onC]) {
      await until(cl, () => ids(cl, 'lobby').length === 60, 10_000, 'all 60 messages');
    }
    const reference = ids(onA, 'lobby');
    expect(new Set(reference).size).toBe(60);
    expect(ids(onB, 'lobby')).toEqual(reference);
    expect(ids(onC, 'lobby')).toEqual(reference);
    const seqs = onB.rooms.get('lobby')!.messages.map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // And it is the room's history, as a late joiner sees it.
    const late = await user([b]);
    await late.join('lobby');
    expect(ids(late, 'lobby')).toEqual(reference.slice(-50));
  });

  it('a client keeps only its window of a room, and scrolling back loads older history', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const sender = await user([a]);
    const { client: reader } = await connectUser([b], { roomWindow: 10 });
    clients.push(reader);
    await sender.join('window-room');
    await reader.join('window-room');
    for (let i = 1; i <= 40; i++) await sender.send('window-room', `w${i}`);
    const room = reader.rooms.get('window-room')!;
    await until(reader, () => room.messages.at(-1)?.text === 'w40', 10_000, 'the 40th message');
    expect(room.messages.map((m) => m.text)).toEqual(
      Array.from({ length: 10 }, (_, i) => `w${31 + i}`),
    );
    expect(room.resumeFrom()).toBe(room.messages.at(-1)!.id);
    // The pane's scroll-up: the page before the window comes back in front of it.
    expect(await reader.loadOlder('window-room', 10)).toBe(10);
    expect(room.messages.map((m) => m.text)).toEqual(
      Array.from({ length: 20 }, (_, i) => `w${21 + i}`),
    );
    await sender.send('window-room', 'w41');
    await until(reader, () => room.messages.at(-1)?.text === 'w41', 10_000, 'the 41st message');
    expect(room.messages.length).toBeLessThanOrEqual(20);
    expect(new Set(room.messages.map((m) => m.id)).size).toBe(room.messages.length);
  });

  it('a client whose instance is SIGKILLed resumes and gets every message once, in order', async () => {
    const [a, b, c] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const sender = await user([a]);
    // The victim starts on B; its next servers are C, then A (what a balancer would do).
    const victim = await user([b, c, a]);
    await sender.join('kill-room');
    await victim.join('kill-room');
    expect(victim.welcome?.instanceId).toBe('chat-2');

    const total = 150;
    let killed = false;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      sends.push(sender.send('kill-room', `m${i}`));
      if (i === 40) {
        await until(
          victim,
          () => ids(victim, 'kill-room').length >= 20,
          10_000,
          'some messages before the kill',
        );
        await cluster.nodes[1]!.kill('SIGKILL');
        killed = true;
      }
      if (i % 10 === 0) await Promise.all(sends.splice(0));
    }
    await Promise.all(sends);
    expect(killed).toBe(true);
    // Under load an ack can time out; the client then retries with the same id.
    await until(
      sender,
      () => [...sender.outgoing.values()].every((o) => o.state === 'sent'),
      20_000,
      'every send acknowledged',
    );

    await until(
      victim,
      () => ids(victim, 'kill-room').length === total,
      20_000,
      'all messages after the kill',
    );
    // The sender's own copies come back through its instance's fan-out, on their own time.
    await until(
      sender,
      () => ids(sender, 'kill-room').length === total,
      20_000,
      'the sender holding every message',
    );
    await victim.settled();
    const texts = victim.rooms.get('kill-room')!.messages.map((m) => m.text);
    expect(texts).toEqual(Array.from({ length: total }, (_, i) => `m${i}`));
    expect(ids(victim, 'kill-room')).toEqual(ids(sender, 'kill-room'));
    expect(victim.reconnects).toBe(1);
    expect(victim.welcome?.instanceId).not.toBe('chat-2');
  });

  it('a message sent the moment a client is back, before it has joined its rooms again, is sent once the room is joined', async () => {
    const [a, , c] = cluster.nodes.map((n) => n.url) as [string, string, string];
    // Its instance (C) is killed below; A is where it reconnects.
    const mover = await user([c, a]);
    await mover.join('rejoin-room');
    expect(mover.welcome?.instanceId).toBe('chat-3');
    // Every send of the client as it is told of it (one delivered leaves the outbox).
    const sends = new Map<string, OutgoingMessage>();
    mover.on('outgoing', (o) => void sends.set(o.clientMsgId, o));
    const back = new Promise<void>((resolve) => {
      const off = mover.on('state', (s) => {
        if (s.kind !== 'connected' || s.instanceId === 'chat-3') return;
        off();
        // Right as the new connection is welcomed: the resume has not joined the room yet.
        void mover.send('rejoin-room', 'first words back');
        resolve();
      });
    });
    await cluster.nodes[2]!.kill('SIGKILL');
    await back;
    // Settled either way: acknowledged, or refused for good.
    await until(
      mover,
      () =>
        sends.size > 0 &&
        [...sends.values()].every((o) => o.state === 'sent' || o.state === 'rejected'),
      20_000,
      'the send settled',
    );
    const states = [...sends.values()].map((o) => o.state);
    expect(states).toEqual(['sent']);
    await until(
      mover,
      () =>
        mover.rooms.get('rejoin-room')?.messages.some((m) => m.text === 'first words back') ??
        false,
      10_000,
      'the message in the room',
    );
  });
});
