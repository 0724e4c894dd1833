import { describe, expect, it } from 'vitest';
import { loadAfterReport } from '../../src/server/local-cluster/supervisor.js';

describe("the supervisor's count of an instance's connections", () => {
  it('is what the instance holds plus what was handed to it after it counted', () => {
    // 10 handed over; when it reported it had received 7, of which 4 are still open.
    expect(loadAfterReport(10, { connections: 4, received: 7 })).toBe(7);
    // Everything received: the report is the count.
    expect(loadAfterReport(7, { connections: 4, received: 7 })).toBe(4);
    // A report from a process restarted since (received ahead of what this one was handed).
    expect(loadAfterReport(0, { connections: 2, received: 5 })).toBe(2);
  });
});
