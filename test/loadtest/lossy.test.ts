import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll } from '../helpers/processes.js';
import { LossyServer } from './lossy-server.js';
import { runLoadtest } from './run.js';

let server: LossyServer;

beforeAll(async () => {
  server = await LossyServer.start(10);
});

afterAll(async () => {
  await killAll();
  await server?.close();
});

describe('loadtest accounting against a server that drops every 10th delivery', () => {
  it('counts exactly the dropped deliveries as lost, and nothing as duplicated', async () => {
    const { code, report } = await runLoadtest(server.url, server.adminToken, [
      '--clients',
      '60',
      '--rooms',
      '3',
      '--rate',
      '30',
      '--duration',
      '4s',
      '--ramp',
      '1s',
      '--drain',
      '2s',
      '--workers',
      '2',
      '--max-lost',
      '0',
    ]);
    console.log(
      JSON.stringify({
        server: { deliveries: server.deliveries, dropped: server.dropped },
        clients: report.clients,
        messages: report.messages,
        reconnects: report.reconnects,
        instances: report.instances,
        latencyMs: report.latencyMs,
      }),
    );
    expect(report.clients.connected).toBe(60);
    expect(report.messages.sent).toBeGreaterThan(50);
    expect(server.dropped).toBeGreaterThan(0);
    // Every delivery the server made or dropped went to a user that had joined before the
    // message was sent, so expected = deliveries + drops, and lost = drops exactly.
    expect(report.messages.lost).toBe(server.dropped);
    expect(report.messages.expected).toBe(server.deliveries);
    expect(report.messages.delivered).toBe(server.deliveries - server.dropped);
    expect(report.messages.duplicated).toBe(0);
    // A --max-lost 0 threshold missed: exit 1, and the report says which.
    expect(report.passed).toBe(false);
    expect(report.thresholds.maxLost).toEqual({ limit: 0, actual: server.dropped, passed: false });
    expect(code).toBe(1);
  });

  it('sends at a rate under one message a second per worker too', async () => {
    // 1.5 msgs/s over 2 workers is 0.75 each: a second's worth never reached one message.
    const { report } = await runLoadtest(server.url, server.adminToken, [
      '--clients',
      '6',
      '--rooms',
      '1',
      '--rate',
      '1.5',
      '--duration',
      '4s',
      '--ramp',
      '1s',
      '--drain',
      '1s',
      '--workers',
      '2',
    ]);
    expect(report.clients.connected).toBe(6);
    expect(report.messages.sent).toBeGreaterThanOrEqual(4);
    expect(report.problems).toEqual([]);
  });
});
