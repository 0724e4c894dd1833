import { describe, expect, it } from 'vitest';
import { loadAfterReport, startsSession } from '../../src/server/local-cluster/supervisor.js';

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

describe('which connections the supervisor counts as load before the next report', () => {
  it('a Socket.IO handshake, by polling or WebSocket; not a request of a session, nor a login', () => {
    const req = (line: string): string => `${line}\r\nHost: 127.0.0.1:3000\r\n\r\n`;
    expect(startsSession(req('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1'))).toBe(true);
    expect(startsSession(req('GET /socket.io/?EIO=4&transport=polling&t=abc HTTP/1.1'))).toBe(true);
    expect(
      startsSession(req('GET /socket.io/?EIO=4&transport=polling&sid=chat-1.xyz HTTP/1.1')),
    ).toBe(false);
    expect(
      startsSession(req('GET /socket.io/?EIO=4&transport=websocket&sid=chat-2.xyz HTTP/1.1')),
    ).toBe(false);
    expect(startsSession(req('POST /api/login HTTP/1.1'))).toBe(false);
    expect(startsSession(req('GET /metrics HTTP/1.1'))).toBe(false);
    // The session id only counts in the request line, not in a header.
    expect(
      startsSession(
        'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nReferer: http://x/?sid=1\r\n\r\n',
      ),
    ).toBe(true);
  });
});
