import { afterAll, describe, expect, it } from 'vitest';
import { writeCalls } from '../helpers/processes.js';
import { useCluster, userName } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';
import { ask, ok, socketPool } from '../helpers/raw.js';

/**
 * A room's messages that an instance reads from Redis at once reach each of its members in one
 * write (src/server/transport/room-frames.ts). The instance is stopped (SIGSTOP) while another
 * one stores ten messages of the room, so Redis's pushes wait in its subscriber's socket and
 * arrive in one read; its write system calls are counted by the kernel (`syscw` in
 * /proc/<pid>/io) until every member has all ten.
 */
const MESSAGES = 10;

describe("the writes of a room's messages read at once", () => {
  const fixture = useCluster(2, {}, 'single');
  const pool = socketPool();
  afterAll(() => pool.closeAll());

  it('reach each member in one write, in order', async () => {
    const [sender, reader] = [fixture.nodes[0]!, fixture.nodes[1]!];
    const room = `burst-${process.pid}`;
    const members = await Promise.all([1, 2, 3].map(() => pool.user(reader.url, userName('rw'))));
    const got = members.map(({ s }) => {
      const seqs: number[] = [];
      s.on('message:created', (m) => seqs.push(m.seq));
      return seqs;
    });
    for (const { s } of members) await ok(ask(s, 'room:join', { room }));
    const { s: from } = await pool.user(sender.url, userName('rw'));
    await ok(ask(from, 'room:join', { room }));

    process.kill(reader.pid, 'SIGSTOP');
    let before: number;
    try {
      for (let i = 0; i < MESSAGES; i++) {
        await ok(
          ask(from, 'message:send', { room, text: `burst ${i}`, clientMsgId: `rw-burst-${i}` }),
        );
      }
      before = writeCalls(reader.pid);
    } finally {
      process.kill(reader.pid, 'SIGCONT');
    }
    await eventually(() => expect(got.map((g) => g.length)).toEqual(got.map(() => MESSAGES)), {
      what: `${MESSAGES} messages at each member`,
    });
    const writes = writeCalls(reader.pid) - before;
    const first = got[0]![0]!;
    for (const g of got) expect(g).toEqual(Array.from({ length: MESSAGES }, (_, i) => first + i));
    // One write a member, and the instance's own writes of the moment (its heartbeat and the
    // timers that fell due while it was stopped: a few Redis commands). A write a message
    // made it 30 and more.
    expect(writes).toBeGreaterThanOrEqual(members.length);
    expect(writes).toBeLessThan(members.length + 12);
  });
});
