import { describe, expect, it } from 'vitest';
import { SOCKET_ENDINGS_KEEP_MS, SocketEndings } from '../../src/server/auth/socket-endings.js';

describe('SocketEndings', () => {
  it('counts the sockets of the sessions asked for, each once', () => {
    const e = new SocketEndings(() => 0);
    e.note('a', 2);
    e.note('b', 1);
    e.note('a', 1);
    expect(e.take(['a', 'c'])).toBe(3);
    expect(e.take(['a'])).toBe(0);
    expect(e.take(['b'])).toBe(1);
  });

  it('forgets what it noted after a minute, counting from the last note of a session', () => {
    let now = 0;
    const e = new SocketEndings(() => now);
    e.note('old', 1);
    e.note('again', 1);
    now = SOCKET_ENDINGS_KEEP_MS - 1;
    e.note('again', 1);
    expect(e.take(['old'])).toBe(1);
    now = SOCKET_ENDINGS_KEEP_MS;
    // 'old' (taken) is gone; 'again' was noted again at KEEP - 1 and holds both notes.
    expect(e.take(['old'])).toBe(0);
    now = 2 * SOCKET_ENDINGS_KEEP_MS - 2;
    expect(e.take(['again'])).toBe(2);
    e.note('late', 1);
    now += SOCKET_ENDINGS_KEEP_MS;
    expect(e.take(['late'])).toBe(0);
  });
});
