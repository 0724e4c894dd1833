import { describe, expect, it } from 'vitest';
import {
  catchUp,
  readPage,
  type Page,
  type PageEvent,
  type PageHost,
  type PageRequest,
} from '../../src/client/delivery/pages.js';
import { SeqCursor, type Gap } from '../../src/client/delivery/seq-cursor.js';
import { HISTORY_PAGE_MAX, type ChatMessage } from '../../src/protocol/index.js';
import { chatMessage } from '../helpers/messages.js';

const msg = (seq: number, epoch = 'e1'): ChatMessage => chatMessage(seq, { epoch });

const page = (seqs: number[], more: Partial<Page> = {}, epoch = 'e1'): Page => ({
  messages: seqs.map((s) => msg(s, epoch)),
  hasMore: false,
  truncated: false,
  epoch,
  ...more,
});

/** A host that answers from a script of pages and records what it was asked and told. */
class ScriptedHost implements PageHost<SeqCursor, string> {
  asked: { via: string; event: PageEvent; request: PageRequest }[] = [];
  taken: number[] = [];
  resets = 0;
  gaps: Gap[] = [];
  constructor(private readonly pages: (Page | undefined)[]) {}
  ask(via: string, _c: SeqCursor, event: PageEvent, request: PageRequest) {
    this.asked.push({ via, event, request });
    return Promise.resolve(this.pages.shift());
  }
  took(c: SeqCursor, m: ChatMessage): boolean {
    const fresh = c.take(m.seq, m.id);
    if (fresh) this.taken.push(m.seq);
    return fresh;
  }
  reset(): void {
    this.resets++;
  }
  gap(_c: SeqCursor, gap: Gap): void {
    this.gaps.push(gap);
  }
}

describe('readPage', () => {
  it('starts over on an answer that says the place is none the server has, in the same epoch: the numbers given again are taken', () => {
    const c = new SeqCursor();
    const host = new ScriptedHost([]);
    readPage(host, c, page([1, 2, 3]), true);
    expect(c.contiguousSeq).toBe(3);
    // A failover lost seq 3: the resume from it is answered with the newest page instead.
    expect(readPage(host, c, page([1, 2], { unrecoverable: true }), false)).toBe(2);
    expect(host.resets).toBe(1);
    expect(c.contiguousSeq).toBe(2);
    expect(c.take(3, '2000-0')).toBe(true);
  });

  it('does not start over a place that holds nothing yet (an empty room answered as past its newest)', () => {
    const c = new SeqCursor();
    const host = new ScriptedHost([]);
    readPage(host, c, page([], { lastSeq: 0 }), true);
    readPage(host, c, page([], { unrecoverable: true }), false);
    expect(host.resets).toBe(0);
  });

  it('does not start over for a place that held nothing when asked, though a live message moved it before the answer', () => {
    const c = new SeqCursor();
    const host = new ScriptedHost([]);
    readPage(host, c, page([], { lastSeq: 0 }), true);
    const asked = c.resumeFrom();
    expect(c.take(1, msg(1).id)).toBe(true); // live, while the page was asked
    readPage(host, c, page([], { unrecoverable: true }), false, asked);
    expect(host.resets).toBe(0);
    expect(c.contiguousSeq).toBe(1);
  });

  it('bases a first page at its first message: older history is not owed', () => {
    const c = new SeqCursor();
    const host = new ScriptedHost([]);
    expect(readPage(host, c, page([41, 42]), true)).toBe(2);
    expect(c.epoch).toBe('e1');
    expect(c.contiguousSeq).toBe(42);
    expect(host.gaps).toEqual([]);
  });

  it('bases an empty first page after the room’s last seq', () => {
    const c = new SeqCursor();
    readPage(new ScriptedHost([]), c, page([], { lastSeq: 7 }), true);
    expect(c.based).toBe(true);
    expect(c.contiguousSeq).toBe(7);
  });

  it('records the gap a truncated page shows, and moves past it', () => {
    const c = new SeqCursor();
    const host = new ScriptedHost([]);
    readPage(host, c, page([1, 2]), true);
    readPage(host, c, page([10, 11], { truncated: true }), false);
    expect(host.gaps).toEqual([{ afterSeq: 2, missing: 7 }]);
    expect(c.resumeFrom()).toBe(msg(11).id);
    expect(c.hasHole()).toBe(false);
  });

  it('takes only what is new from a page that overlaps what it holds', () => {
    const c = new SeqCursor();
    const host = new ScriptedHost([]);
    readPage(host, c, page([1, 2, 3]), true);
    expect(readPage(host, c, page([2, 3, 4]), false)).toBe(1);
    expect(host.taken).toEqual([1, 2, 3, 4]);
  });

  it('starts over from a page of a new epoch, and says so', () => {
    const c = new SeqCursor();
    const host = new ScriptedHost([]);
    readPage(host, c, page([1, 2, 3]), true);
    expect(readPage(host, c, page([1, 2], {}, 'e2'), false)).toBe(2);
    expect(host.resets).toBe(1);
    expect(c.epoch).toBe('e2');
    expect(c.contiguousSeq).toBe(2);
  });
});

describe('catchUp', () => {
  it('reads pages from the place until there are no more: a join first, then history', async () => {
    const c = new SeqCursor();
    const host = new ScriptedHost([
      page([4, 5], { hasMore: true }),
      page([6, 7], { hasMore: true }),
      page([8]),
      page([99]), // never asked for
    ]);
    readPage(host, c, page([1, 2, 3]), true);
    expect(await catchUp(host, 'sock-2', c, 'r', true)).toBe(5);
    expect(host.asked.map((a) => a.event)).toEqual(['room:join', 'room:history', 'room:history']);
    expect(host.asked.map((a) => a.request)).toEqual([
      { room: 'r', since: msg(3).id, epoch: 'e1' },
      { room: 'r', since: msg(5).id, epoch: 'e1', limit: HISTORY_PAGE_MAX },
      { room: 'r', since: msg(7).id, epoch: 'e1', limit: HISTORY_PAGE_MAX },
    ]);
    expect(host.asked.every((a) => a.via === 'sock-2')).toBe(true);
    expect(c.resumeFrom()).toBe(msg(8).id);
  });

  it('asks without an epoch while none is known', async () => {
    const c = new SeqCursor();
    c.setBase(1);
    const host = new ScriptedHost([page([], { epoch: undefined })]);
    await catchUp(host, 's', c, 'r', false);
    expect(host.asked[0]!.request).toEqual({ room: 'r', since: '0-0', limit: HISTORY_PAGE_MAX });
  });

  it('stops where it is when a page does not come', async () => {
    const c = new SeqCursor();
    const host = new ScriptedHost([page([1, 2], { hasMore: true }), undefined, page([3])]);
    c.setBase(1);
    expect(await catchUp(host, 's', c, 'r', false)).toBe(2);
    expect(host.asked).toHaveLength(2);
    expect(c.resumeFrom()).toBe(msg(2).id);
  });

  it('fills a hole from an out-of-order page and takes the overlap once', async () => {
    const c = new SeqCursor();
    c.adoptEpoch('e1');
    c.setBase(1);
    for (const s of [1, 2, 5, 6]) c.take(s, msg(s).id); // 3 and 4 were missed live
    expect(c.resumeFrom()).toBe(msg(2).id);
    const host = new ScriptedHost([page([3, 4, 5, 6, 7])]);
    expect(await catchUp(host, 's', c, 'r', false)).toBe(3);
    expect(host.taken).toEqual([3, 4, 7]);
    expect(c.hasHole()).toBe(false);
    expect(c.resumeFrom()).toBe(msg(7).id);
  });

  it('reloads a room whose history was reset while it was away', async () => {
    const c = new SeqCursor();
    const host = new ScriptedHost([page([1, 2], {}, 'e2')]);
    readPage(host, c, page([1, 2, 3, 4]), true);
    expect(await catchUp(host, 's', c, 'r', true)).toBe(2);
    expect(host.resets).toBe(1);
    expect(c.epoch).toBe('e2');
    expect(c.resumeFrom()).toBe(msg(2, 'e2').id);
  });

  it('reads once more after starting over: what came live while the page was asked is read again', async () => {
    const c = new SeqCursor();
    const host = new ScriptedHost([page([1, 2], { unrecoverable: true }), page([3])]);
    readPage(host, c, page([1, 2, 3, 4]), true);
    // A failover lost 3 and 4; a new 3 came live while the resume's page was asked, and the
    // start over let it go with the old place.
    expect(await catchUp(host, 's', c, 'r', false)).toBe(3);
    expect(host.resets).toBe(1);
    expect(host.asked.map((a) => a.request.since)).toEqual([msg(4).id, msg(2).id]);
    expect(c.resumeFrom()).toBe(msg(3).id);
  });

  it('reads a bounded number of pages from a server that always has more', async () => {
    const c = new SeqCursor();
    c.setBase(1);
    let seq = 0;
    const host = new ScriptedHost([]);
    host.ask = () => Promise.resolve(page([++seq], { hasMore: true }));
    expect(await catchUp(host, 's', c, 'r', false)).toBe(1000);
  });
});
