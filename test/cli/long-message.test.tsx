import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, setup, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

const sent = (): string[] => h!.chat.sent.map((s) => s.text);
const last = (f: string): string => f.split('\n').at(-1) ?? '';
/** The question, with its choices on a row of their own when it leaves them no room. */
const question = (f: string): string => f.split('\n').slice(-2).join('\n');

describe('text over the message limit', () => {
  it('shows a counter near the limit and asks before sending it in parts; no cuts', async () => {
    h = await setup();
    h.key('a'.repeat(1700));
    await h.until((f) => expect(last(f)).toMatch(/a$/));
    expect(last(h.frame())).not.toContain('/2000');
    h.key('b'.repeat(150));
    await h.until((f) => expect(last(f)).toMatch(/ 1850\/2000$/));
    const text = `${'a'.repeat(1700)}${'b'.repeat(150)} ${'c'.repeat(299)}`;
    h.key(` ${'c'.repeat(299)}`);
    await h.until((f) => expect(last(f)).toMatch(/ 2150\/2000$/));

    h.key(KEYS.enter);
    await h.until((f) =>
      expect(question(f)).toContain('2150 characters, over the 2000 limit: send as 2 messages'),
    );
    h.key('n');
    await h.until((f) => {
      expect(f).toContain('not sent: 2150 characters, and a message holds at most 2000');
      expect(last(f)).toMatch(/ 2150\/2000$/); // still there, to shorten or send
    });
    expect(sent()).toEqual([]);

    h.key(KEYS.enter);
    await h.until((f) => expect(question(f)).toContain('send as 2 messages'));
    h.key('y');
    await h.until(() => expect(sent()).toHaveLength(2));
    // Cut at the last space: the parts put back together are the text.
    expect(sent()).toEqual([`${'a'.repeat(1700)}${'b'.repeat(150)}`, 'c'.repeat(299)]);
    expect(sent().join(' ')).toBe(text);
    await h.until((f) => expect(last(f)).toBe('#lobby>'));
  });

  it('a pasted line over the limit is offered in parts too', async () => {
    h = await setup();
    h.key(`short\r\n${'x'.repeat(4500)}\r\n`);
    await h.until((f) =>
      expect(question(f)).toContain('4500 characters, over the 2000 limit: send as 4 messages'),
    );
    h.key(KEYS.enter);
    await h.until(() =>
      expect(sent().map((s) => s.length)).toEqual(['short'.length, 2000, 2000, 500]),
    );
  });

  it('at 80 columns the question shows its choices, and its count is the counter’s', async () => {
    h = await setup({ columns: 80 });
    // A trailing space is not sent: the message is 2999 characters, and both say so.
    h.key(`${'z'.repeat(2999)} `);
    await h.until((f) => expect(last(f)).toMatch(/ 2999\/2000$/));
    h.key(KEYS.enter);
    await h.until((f) => {
      const [q, choices] = f.split('\n').slice(-2);
      expect(q).toBe('2999 characters, over the 2000 limit: send as 2 messages to #lobby?');
      expect(choices).toBe('y/Enter: send · n/Esc: do not send');
    });
    for (const row of h.frame().split('\n')) expect(row.length).toBeLessThanOrEqual(80);
    h.key('\x1b');
    await h.until((f) => expect(f).toContain('not sent: 2999 characters, and a message holds'));
  });
});
