import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, parseTrustProxy } from '../../src/server/transport/client-address.js';

/** A request as the HTTP server hands it over: the peer address and the headers. */
function req(peer: string, xff?: string): IncomingMessage {
  return {
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
  } as unknown as IncomingMessage;
}

describe('CHAT_TRUST_PROXY and the client address', () => {
  it('off: the TCP peer, whatever the header says', () => {
    for (const raw of [undefined, '', '0', 'false']) {
      expect(clientAddress(req('127.0.0.9', '203.0.113.7'), parseTrustProxy(raw)), raw).toBe(
        '127.0.0.9',
      );
    }
  });

  it('a hop count takes the entry the trusted hop appended, not what the client forged', () => {
    // nginx with $proxy_add_x_forwarded_for: the client's own header, then its address.
    const forged = req('10.0.0.2', '203.0.113.7, 198.51.100.9');
    expect(clientAddress(forged, parseTrustProxy('1'))).toBe('198.51.100.9');
    expect(clientAddress(forged, parseTrustProxy('true'))).toBe('198.51.100.9');
    expect(clientAddress(forged, parseTrustProxy('2'))).toBe('203.0.113.7');
    // More hops trusted than there are: the left-most entry is all there is.
    expect(clientAddress(forged, parseTrustProxy('5'))).toBe('203.0.113.7');
    // No header at all: the peer.
    expect(clientAddress(req('10.0.0.2'), parseTrustProxy('1'))).toBe('10.0.0.2');
  });

  it('a CIDR list trusts only those hops: the right-most address outside it is the client', () => {
    const trust = parseTrustProxy('10.0.0.0/8, loopback');
    expect(clientAddress(req('10.0.0.2', '203.0.113.7, 198.51.100.9, 10.1.2.3'), trust)).toBe(
      '198.51.100.9',
    );
    // A peer outside the list is the client itself: its header is not believed at all.
    expect(clientAddress(req('192.0.2.1', '203.0.113.7'), trust)).toBe('192.0.2.1');
    expect(clientAddress(req('::ffff:127.0.0.1', '198.51.100.9'), trust)).toBe('198.51.100.9');
  });

  it('refuses a setting it cannot read, saying what it takes', () => {
    expect(() => parseTrustProxy('10.0.0.0/99')).toThrow(/CHAT_TRUST_PROXY must be a hop count/);
    expect(() => parseTrustProxy('yes please')).toThrow(/CHAT_TRUST_PROXY/);
  });
});
