import { describe, expect, it } from 'vitest';
import { serversOf } from '../../src/admin/loadtest/servers.js';

describe("a virtual user's order of the servers", () => {
  const urls = ['a', 'b', 'c'];

  it('starts each user on its share of the servers, and keeps every server in its list', () => {
    const firsts = Array.from({ length: 30 }, (_, i) => serversOf(urls, i)[0]);
    for (const u of urls) expect(firsts.filter((f) => f === u)).toHaveLength(10);
    for (let i = 0; i < 12; i++) expect([...serversOf(urls, i)].sort()).toEqual(urls);
  });

  it("spreads a dead server's users over the others, not all onto the next URL", () => {
    // The users that started on 'b' (index 1, 4, 7, ...): where their first reconnect goes.
    const next = Array.from({ length: 100 }, (_, k) => serversOf(urls, 1 + 3 * k)[1]);
    expect(next.filter((u) => u === 'a')).toHaveLength(50);
    expect(next.filter((u) => u === 'c')).toHaveLength(50);
  });

  it('with one server (a balancer), is that server', () => {
    expect(serversOf(['lb'], 7)).toEqual(['lb']);
  });
});
