import { describe, expect, it } from 'vitest';
import { listenBacklog } from '../../src/server/transport/listen-backlog.js';

describe('listenBacklog', () => {
  it('asks for the queue as configured when the kernel allows it', () => {
    expect(listenBacklog(4096, () => '4096\n')).toEqual({ backlog: 4096 });
    expect(listenBacklog(1024, () => '65535\n')).toEqual({ backlog: 1024 });
  });

  it("says when net.core.somaxconn caps it, and asks for the kernel's limit", () => {
    expect(listenBacklog(4096, () => '128\n')).toEqual({ backlog: 128, cappedBy: 128 });
  });

  it('takes the configured size where the limit cannot be read', () => {
    expect(listenBacklog(4096, () => undefined)).toEqual({ backlog: 4096 });
    expect(listenBacklog(4096, () => 'garbage')).toEqual({ backlog: 4096 });
  });
});
