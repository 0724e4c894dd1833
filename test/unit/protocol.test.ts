import { describe, expect, it } from 'vitest';
import {
  AdminBanPayload,
  AdminBroadcastPayload,
  AwaySetPayload,
  SearchPayload,
  JoinPayload,
  LoginRequest,
  MessageId,
  SendPayload,
  compareIds,
  hasVisibleText,
  isReservedName,
  isRetryable,
} from '../../src/protocol/index.js';
import { TokenBucket, strikesAfter } from '../../src/server/auth/rate-limit.js';

describe('protocol schemas', () => {
  it('accepts valid payloads and refuses extra fields', () => {
    expect(JoinPayload.safeParse({ room: 'lobby', since: '1-0' }).success).toBe(true);
    expect(JoinPayload.safeParse({ room: 'lobby', x: 1 }).success).toBe(false);
    expect(SendPayload.safeParse({ room: 'a', text: 'hi', clientMsgId: 'abcdefgh' }).success).toBe(
      true,
    );
    expect(
      SendPayload.safeParse({ room: 'a', text: 'a\u0000b', clientMsgId: 'abcdefgh' }).success,
    ).toBe(false);
  });

  it('takes message ids only within 64 bits a part, without leading zeros', () => {
    for (const ok of ['0-0', '1700000000000-12', '18446744073709551615-18446744073709551615'])
      expect(MessageId.safeParse(ok).success, ok).toBe(true);
    for (const bad of [
      '18446744073709551616-0',
      '0-18446744073709551616',
      '99999999999999999999-0',
      '01-0',
      '1-00',
      '-1-0',
      '1',
    ])
      expect(MessageId.safeParse(bad).success, bad).toBe(false);
  });

  it('refuses text with nothing visible, in messages and broadcasts alike', () => {
    for (const blank of [
      ' ',
      '\t\n',
      '\u200b',
      '\u200b\u200c\u200d\u2060\ufeff',
      '\u202e ',
      '\u3164',
      '\ufe0f',
      '\u200d\ufe0f',
      '\u0301\u0301\u0301',
      '\u200d\ufe0f\u034f',
    ])
      expect(hasVisibleText(blank), JSON.stringify(blank)).toBe(false);
    for (const shown of ['a', ' . ', '\u200bhi', '😀', 'é', 'e\u0301', '❤\ufe0f', '👍🏽'])
      expect(hasVisibleText(shown), shown).toBe(true);
    const send = (text: string) =>
      SendPayload.safeParse({ room: 'a', text, clientMsgId: 'abcdefgh' }).success;
    expect(send('\u200b\u200b')).toBe(false);
    // Stored as sent or not at all: a lone surrogate would come back as U+FFFD.
    expect(send('ab\ud800cd')).toBe(false);
    expect(send('ab\udc00')).toBe(false);
    expect(send('ab😀cd')).toBe(true);
    expect(AdminBroadcastPayload.safeParse({ text: '\u200b' }).success).toBe(false);
    expect(AdminBroadcastPayload.safeParse({ text: 'x'.repeat(501) }).success).toBe(false);
    expect(AdminBroadcastPayload.safeParse({ text: 'maintenance at noon' }).success).toBe(true);
  });

  it('counts every text limit in UTF-16 units, as documented (an emoji is 2), and refuses lone surrogates and control characters where they would be stored', () => {
    const send = (text: string) =>
      SendPayload.safeParse({ room: 'a', text, clientMsgId: 'abcdefgh' }).success;
    expect(send('😀'.repeat(1000))).toBe(true); // 2000 units
    expect(send(`${'😀'.repeat(1000)}x`)).toBe(false);
    expect(send('😀'.repeat(2000))).toBe(false); // 2000 code points, 4000 units
    expect(AdminBroadcastPayload.safeParse({ text: '😀'.repeat(250) }).success).toBe(true);
    expect(AdminBroadcastPayload.safeParse({ text: '😀'.repeat(251) }).success).toBe(false);
    const away = (message: string) => AwaySetPayload.safeParse({ message }).success;
    expect(away('😀'.repeat(100))).toBe(true);
    expect(away('😀'.repeat(101))).toBe(false);
    expect(away('  lunch, back at 2 \n')).toBe(true); // around it: dropped
    expect(away('two\nlines')).toBe(true); // a line break inside becomes a space
    for (const inside of ['a\u0000b', 'a\u001b[31mred', 'a\u007fb', 'a\u009bb'])
      expect(away(inside), JSON.stringify(inside)).toBe(false);
    const password = (p: string) =>
      LoginRequest.safeParse({ username: 'abc', password: p }).success;
    expect(password('abcd😀')).toBe(true);
    expect(password('abcd\ud800')).toBe(false);
    expect(password('😀'.repeat(100))).toBe(true);
    expect(password('😀'.repeat(101))).toBe(false); // 202 units over 200
    const ban = (reason: string) => AdminBanPayload.safeParse({ user: 'abc', reason }).success;
    expect(ban('spamming')).toBe(true);
    expect(ban('x\ud800')).toBe(false);
    expect(SearchPayload.safeParse({ room: 'a', text: '😀'.repeat(100) }).success).toBe(true);
    expect(SearchPayload.safeParse({ room: 'a', text: '😀'.repeat(101) }).success).toBe(false);
  });

  it('refuses names with anything outside the allowlist', () => {
    for (const bad of ['', 'A', '_a', 'a b', 'a:b', 'a*', '\u001b', 'a'.repeat(33), 'é']) {
      expect(LoginRequest.safeParse({ username: bad, password: 'pass' }).success, bad).toBe(false);
    }
    expect(LoginRequest.safeParse({ username: 'a_b-9', password: 'pass' }).success).toBe(true);
  });

  it('reserves the words that name the server, and names that begin with one and a separator or digit', () => {
    for (const name of [
      'admin',
      'ADMIN',
      'Admin-',
      'admin_',
      'system_x',
      'server2',
      'root-',
      'mod_1',
    ]) {
      expect(isReservedName(name), name).toBe(true);
    }
    for (const name of ['rooted', 'chatty', 'servers', 'badmin', 'modern', 'my-admin', 'a']) {
      expect(isReservedName(name), name).toBe(false);
    }
  });

  it('compares stream ids numerically', () => {
    expect(compareIds('9-0', '10-0')).toBe(-1);
    expect(compareIds('10-2', '10-10')).toBe(-1);
    expect(compareIds('10-1', '10-1')).toBe(0);
    expect(compareIds('11-0', '10-99')).toBe(1);
  });

  it('says which connect errors are worth retrying', () => {
    expect(isRetryable('unauthorized')).toBe(false);
    expect(isRetryable('unavailable')).toBe(true);
    expect(isRetryable('draining')).toBe(true);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then the refill rate, and counts strikes', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 5, () => now);
    // A socket's strikes against it (see strikesAfter).
    const b = {
      strikes: 0,
      take(): boolean {
        const took = bucket.take();
        this.strikes = strikesAfter(took, bucket, this.strikes);
        return took;
      },
    };
    expect(Array.from({ length: 7 }, () => b.take())).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(b.strikes).toBe(2);
    now += 100; // one token back
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    now += 10_000;
    expect(b.take()).toBe(true);
    expect(b.strikes).toBe(0);
  });

  it('gives up to what it holds, and takes back what was not used, up to its burst', () => {
    let now = 0;
    const b = new TokenBucket(200, 1000, () => now);
    expect(b.takeUpTo(600)).toBe(600);
    expect(b.takeUpTo(600)).toBe(400);
    expect(b.takeUpTo(600)).toBe(0);
    now += 250; // 50 back
    expect(b.takeUpTo(600)).toBe(50);
    b.giveBack(30);
    expect(b.takeUpTo(600)).toBe(30);
    b.giveBack(5000);
    expect(b.takeUpTo(5000)).toBe(1000);
  });
});

describe('compareIds against a numeric reference', () => {
  it('agrees with BigInt ordering on random ids of mixed lengths', () => {
    const ref = (a: string, b: string): number => {
      const [am, an] = a.split('-').map(BigInt) as [bigint, bigint];
      const [bm, bn] = b.split('-').map(BigInt) as [bigint, bigint];
      if (am !== bm) return am < bm ? -1 : 1;
      if (an !== bn) return an < bn ? -1 : 1;
      return 0;
    };
    const id = (): string =>
      `${Math.floor(Math.random() * 10 ** (1 + Math.floor(Math.random() * 13)))}-${Math.floor(Math.random() * 10 ** Math.floor(Math.random() * 4))}`;
    for (let i = 0; i < 5000; i++) {
      const a = id();
      const b = Math.random() < 0.1 ? a : id();
      expect(compareIds(a, b), `${a} vs ${b}`).toBe(ref(a, b));
    }
  });
});
