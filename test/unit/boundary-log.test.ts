import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/server/ops/metrics.js';
import { toErrorBody } from '../../src/server/transport/boundary.js';

/** A logger whose JSON lines land in an array. */
function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

describe('the boundary logs what users cause without flooding the log', () => {
  it('logs one stack per kind of unexpected error a minute, and Redis refusals without one', () => {
    const { log, lines } = capture();
    const metrics = new Metrics({ instance: 'unit' });
    for (let i = 0; i < 20; i++) {
      expect(toErrorBody(new Error('boom in a handler'), log, metrics).code).toBe('internal');
      const refused = Object.assign(new Error('ERR Invalid stream ID (unit)'), {
        name: 'ReplyError',
      });
      expect(toErrorBody(refused, log, metrics).code).toBe('internal');
    }
    const errors = lines.filter((l) => l.level === 50);
    const warns = lines.filter((l) => l.level === 40);
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain('stack');
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ msg: 'Redis refused a command' });
    expect(JSON.stringify(warns[0])).not.toContain('stack');
    expect(lines.filter((l) => l.level === 20)).toHaveLength(38);
  });

  it('says whether a request that met a Redis outage may still take effect', () => {
    const { log } = capture();
    const metrics = new Metrics({ instance: 'unit' });
    const body = (message: string) => toErrorBody(new Error(message), log, metrics);
    for (const sent of ['Command timed out', 'Redis did not answer within 23 ms']) {
      expect(body(sent)).toMatchObject({ code: 'unavailable' });
      expect(body(sent).message).toMatch(/may still take effect/);
    }
    expect(body("Stream isn't writeable and enableOfflineQueue options is false").message).toMatch(
      /nothing was saved/,
    );
  });
});
