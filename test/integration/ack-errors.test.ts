import { describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/admin/connection.js';
import { AdminError, ExitCode } from '../../src/admin/exit-codes.js';
import { ErrorCode } from '../../src/protocol/index.js';
import { connectUser, TEST_ENV, useCluster } from '../helpers/cluster.js';

// Each test stops (SIGSTOP) and then kills one instance: two instances, one per test.
const cluster = useCluster(2);

const reason = (p: Promise<unknown>): Promise<{ code?: string; exit?: number; message: string }> =>
  p.then(
    () => ({ message: 'answered' }),
    (err: Error & { code?: string; exit?: number }) => ({
      code: err.code,
      exit: err instanceof AdminError ? err.exitCode : undefined,
      message: err.message,
    }),
  );

describe('an ack that does not come', () => {
  it('is "no answer in time" for a server that hangs, "dropped" at once when it dies', async () => {
    const node = cluster.nodes[0]!;
    const { client: quick } = await connectUser([node.url], { ackTimeoutMs: 400 });
    const { client: patient } = await connectUser([node.url], { ackTimeoutMs: 60_000 });
    cluster.clients.push(quick, patient);
    process.kill(node.pid, 'SIGSTOP');
    try {
      expect(await reason(quick.join('hang'))).toEqual({
        code: ErrorCode.Unavailable,
        message: 'no answer to room:join in time',
      });
      const pending = reason(patient.join('hang'));
      const t = performance.now();
      await node.kill('SIGKILL');
      expect(await pending).toEqual({
        code: ErrorCode.Unavailable,
        message: 'the connection dropped before room:join was answered',
      });
      // Told when the connection went, not at the 60 s deadline.
      expect(performance.now() - t).toBeLessThan(10_000);
    } finally {
      // A stopped process would not hear the fixture's own SIGTERM.
      if (node.proc.exitCode === null && node.proc.signalCode === null)
        process.kill(node.pid, 'SIGCONT');
    }
  });

  it('gives the admin console the same two answers (exit 3)', async () => {
    const node = cluster.nodes[1]!;
    const admin = await AdminClient.connect({
      server: node.url,
      token: TEST_ENV.CHAT_ADMIN_TOKEN!,
      tokenSource: 'the test',
    });
    try {
      process.kill(node.pid, 'SIGSTOP');
      expect(await reason(admin.call('admin:status', {}, 400))).toMatchObject({
        exit: ExitCode.Unreachable,
        message: 'no answer to admin:status in time',
      });
      const pending = reason(admin.call('admin:status', {}, 60_000));
      await node.kill('SIGKILL');
      expect(await pending).toMatchObject({
        exit: ExitCode.Unreachable,
        message: 'the connection dropped before admin:status was answered',
      });
    } finally {
      admin.close();
      if (node.proc.exitCode === null && node.proc.signalCode === null)
        process.kill(node.pid, 'SIGCONT');
    }
  });
});
