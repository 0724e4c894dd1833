import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, setup, type Harness } from './harness.js';

/**
 * Text that arrives with its line breaks in one read (`tmux send-keys "hi" Enter`, a script,
 * a paste): every break is an Enter, every line its own message, in order, never joined.
 */

let h: Harness | undefined;
afterEach(() => h?.unmount());

const sent = (): string[] => h!.chat.sent.map((s) => s.text);

/** #lobby on screen, #dev joined; each send is answered only when settled, as the real client's is. */
async function inLobbyAndDev(): Promise<Harness> {
  const harness = await setup({ rooms: ['lobby', 'dev'] });
  harness.chat.answerOnSettle = true;
  await harness.until((f) => expect(f.split('\n').at(-1)).toBe('#lobby>'));
  return harness;
}

/** The server answers the oldest send still waiting for its answer. */
function settleNext(): void {
  const out = [...h!.chat.outgoing.values()].find((o) => o.state === 'pending');
  h!.chat.settle(out!, 'sent');
}

describe('lines that arrive in one read', () => {
  it('a line and its Enter in one read is sent', async () => {
    h = await setup();
    h.key('hello in one read\r');
    await h.until(() => expect(sent()).toEqual(['hello in one read']));
    await h.until((f) => {
      expect(f).toContain('me: hello in one read');
      expect(f.split('\n').at(-1)).toBe('#lobby>');
    });
  });

  it('a paste of a few lines sends each as its own message, in order; the rest stays typed', async () => {
    h = await setup();
    h.key('half ');
    await h.until((f) => expect(f).toContain('#lobby> half'));
    h.key('typed\r\nsecond\rthird\n\rfourth, not yet');
    await h.until(() => expect(sent()).toEqual(['half typed', 'second', 'third']));
    await h.until((f) => expect(f).toContain('#lobby> fourth, not yet'));
    h.key(KEYS.enter);
    await h.until(() =>
      expect(sent()).toEqual(['half typed', 'second', 'third', 'fourth, not yet']),
    );
    await h.until((f) => {
      const at = ['me: half typed', 'me: second', 'me: third', 'me: fourth, not yet'].map((l) =>
        f.indexOf(l),
      );
      expect(at.every((i) => i >= 0)).toBe(true);
      expect([...at].sort((a, b) => a - b)).toEqual(at);
    });
  });

  it('more than 5 lines ask first: y sends them all in order, n or Esc sends none and says so', async () => {
    h = await setup();
    const lines = Array.from({ length: 8 }, (_, i) => `pasted line ${i + 1}`);
    h.key(`${lines.join('\r')}\r`);
    await h.until((f) =>
      expect(f).toContain('Send 8 pasted lines to #lobby, one message each? y/Enter: send'),
    );
    // While it asks, other keys do nothing.
    h.key('x');
    h.key(KEYS.pageUp);
    expect(sent()).toEqual([]);
    h.key('y');
    await h.until(() => expect(sent()).toEqual(lines));
    await h.until((f) => expect(f.split('\n').at(-1)).toBe('#lobby>'));

    h.key(`${lines.slice(0, 6).join('\r')}\r`);
    await h.until((f) => expect(f).toContain('Send 6 pasted lines'));
    h.key('n');
    await h.until((f) => expect(f).toContain('6 pasted lines not sent'));
    h.key(`${lines.slice(0, 7).join('\r')}\r`);
    await h.until((f) => expect(f).toContain('Send 7 pasted lines'));
    h.key('\x1b');
    await h.until((f) => expect(f).toContain('7 pasted lines not sent'));
    expect(sent()).toEqual(lines);
    // Five lines go at once; blank lines do not count and send nothing.
    h.key('a\r\rb\rc\r\rd\re\r');
    await h.until(() => expect(sent()).toEqual([...lines, 'a', 'b', 'c', 'd', 'e']));
  });

  it('a line entered while pasted lines still go out is sent after them, never before', async () => {
    h = await setup();
    // Each send is answered when the server acks it, as the real client's is.
    h.chat.answerOnSettle = true;
    h.key('paste one\rpaste two\rpaste three');
    // The second pasted line waits for the first one's answer; the third is typed.
    await h.until(() => expect(sent()).toEqual(['paste one']));
    await h.until((f) => expect(f).toContain('#lobby> paste three'));
    h.key(KEYS.enter);
    await h.until((f) => expect(f.split('\n').at(-1)).toBe('#lobby>'));
    expect(sent()).toEqual(['paste one']);
    settleNext();
    await h.until(() => expect(sent()).toEqual(['paste one', 'paste two']));
    settleNext();
    await h.until(() => expect(sent()).toEqual(['paste one', 'paste two', 'paste three']));
    settleNext();
    // Nothing left waiting: the next Enter goes at once again.
    h.key('after\r');
    await h.until(() => expect(sent()).toEqual(['paste one', 'paste two', 'paste three', 'after']));
  });

  it('lines waiting their turn go to the room they were entered in, whatever room is shown then', async () => {
    h = await inLobbyAndDev();
    h.key('one\rtwo\r/me waves\r');
    await h.until(() => expect(sent()).toEqual(['one']));
    // The user moves to another room while two pasted lines still wait (one of them a
    // command that says something in its room), and enters one there.
    h.key(KEYS.ctrlN);
    await h.until((f) => expect(f.split('\n').at(-1)).toBe('#dev>'));
    h.key('in dev\r');
    for (let i = 1; i <= 3; i++) {
      settleNext();
      await h.until(() => expect(h!.chat.sent).toHaveLength(i + 1));
    }
    expect(h.chat.sent.map((s) => `${s.room}: ${s.text} (${s.kind})`)).toEqual([
      'lobby: one (text)',
      'lobby: two (text)',
      'lobby: waves (action)',
      'dev: in dev (text)',
    ]);
  });

  it('lines waiting their turn show in their room at once, marked, and nowhere else', async () => {
    h = await inLobbyAndDev();
    h.key('one\rtwo\r/me waves\r');
    await h.until((f) => {
      expect(f).toContain('one (sending…)');
      expect(f).toContain('two (waiting to send…)');
      expect(f).toContain('waves (waiting to send…)');
    });
    expect(sent()).toEqual(['one']);
    h.key(KEYS.ctrlN);
    await h.until((f) => expect(f.split('\n').at(-1)).toBe('#dev>'));
    expect(h.frame()).not.toContain('waiting to send');
    h.key(KEYS.ctrlP);
    await h.until((f) => expect(f).toContain('two (waiting to send…)'));
    settleNext();
    await h.until((f) => {
      expect(f).toContain('two (sending…)');
      expect(f).toContain('waves (waiting to send…)');
    });
  });

  it('a waiting line whose room was left before its turn is not sent anywhere, and says so', async () => {
    h = await inLobbyAndDev();
    h.key('one\r/part\rthree\r');
    await h.until(() => expect(sent()).toEqual(['one']));
    settleNext();
    // The /part runs in its turn and leaves #lobby; the line after it was entered there too.
    await h.until((f) => expect(f).toContain('not sent: you are no longer in #lobby ("three")'));
    expect(h.chat.sent.map((s) => `${s.room}: ${s.text}`)).toEqual(['lobby: one']);
    expect(h.frame().split('\n').at(-1)).toBe('#dev>');
  });

  it('a pasted line whose send failed is not overtaken: the rest wait until it is stored', async () => {
    h = await setup();
    h.chat.sendState = 'failed'; // e.g. rate limited: the client retries it later
    h.key('first\rsecond\rthird\r');
    await h.until((f) => expect(f).toContain('2 more pasted lines wait until the server takes'));
    expect(sent()).toEqual(['first']);
    h.chat.sendState = 'pending';
    h.chat.settle([...h.chat.outgoing.values()][0]!, 'sent');
    await h.until(() => expect(sent()).toEqual(['first', 'second', 'third']));
  });
});
