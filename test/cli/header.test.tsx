import { afterEach, describe, expect, it } from 'vitest';
import { T0 } from './fake-chat.js';
import { setup, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

const headerLine = (frame: string): string => frame.split('\n')[0] ?? '';
const statusLine = (frame: string): string => frame.split('\n')[1] ?? '';

describe('connection header', () => {
  it('connecting: names the server', async () => {
    h = await setup({ rooms: [] });
    h.chat.welcome = undefined;
    h.chat.setState({ kind: 'connecting', server: 'http://127.0.0.1:3000' });
    await h.until((f) => {
      expect(headerLine(f)).toContain('◌ connecting');
      expect(statusLine(f)).toBe('… connecting to http://127.0.0.1:3000');
    });
    expect(headerLine(h.frame())).toContain('me@127.0.0.1:3000');
  });

  it('connected: instance id, state and round-trip time', async () => {
    h = await setup();
    h.chat.rttMs = 2.25;
    h.chat.fire('rtt', 2.25);
    await h.until((f) => expect(headerLine(f)).toMatch(/chat-1 │ ● connected │ rtt 2\.3 ms/));
  });

  it('reconnecting: attempt number and a countdown, then the status line says what happened', async () => {
    let now = T0;
    h = await setup({ now: () => now });
    h.chat.setState({
      kind: 'reconnecting',
      attempt: 3,
      inMs: 2000,
      reason: 'chat-2 went away',
    });
    await h.until((f) => {
      expect(headerLine(f)).toContain('reconnecting, attempt 3 in 2 s');
      expect(statusLine(f)).toBe('… chat-2 went away');
    });
    expect(headerLine(h.frame())).not.toContain('rtt');
    // No instance serves us now: the last one is not named as if it did.
    expect(headerLine(h.frame())).not.toContain('chat-1');
    now += 1000;
    h.chat.setState({ kind: 'reconnecting', attempt: 3, inMs: 2000, reason: 'chat-2 went away' });
    now += 1000;
    h.chat.fire('rtt', 3);
    await h.until((f) => expect(headerLine(f)).toContain('reconnecting, attempt 3 in 1 s'));

    h.chat.state = {
      kind: 'connected',
      server: 'http://127.0.0.1:3000',
      instanceId: 'chat-3',
      bootId: 'b3',
    };
    h.chat.fire('state', h.chat.state);
    h.chat.fire('status', 'chat-2 went away; reconnected to chat-3; 4 missed messages recovered');
    await h.until((f) => {
      expect(headerLine(f)).toContain('chat-3 │ ● connected');
      expect(f.split('\n')[1]).toContain(
        '↻ chat-2 went away; reconnected to chat-3; 4 missed messages recovered',
      );
      // ...and the room itself has a line about it.
      expect(f).toMatch(/14:00 -- chat-2 went away; reconnected to chat-3/);
    });
  });

  it('draining: says calmly that the instance is restarting', async () => {
    h = await setup();
    h.chat.setState({ kind: 'reconnecting', attempt: 1, inMs: 0, reason: 'chat-1 is restarting' });
    await h.until((f) => {
      expect(headerLine(f)).toContain('reconnecting, attempt 1 under way');
      expect(statusLine(f)).toBe('… chat-1 is restarting');
    });
    h.chat.fire('status', 'chat-1 is restarting; moved to chat-3; 0 missed messages recovered');
    await h.until((f) => expect(f).toContain('chat-1 is restarting; moved to chat-3'));
  });

  it('ended: says why, and hostile reasons are made safe', async () => {
    h = await setup();
    h.chat.setState({ kind: 'ended', reason: 'banned', message: 'account banned\x1b[2J' });
    await h.until((f) => {
      expect(headerLine(f)).toContain('✗ disconnected');
      // A ban is not mended by logging in again: no hint to.
      expect(statusLine(f)).toBe('✗ account banned^[[2J');
    });
    // A kick or a logout elsewhere is: a new login is what it takes.
    h.chat.setState({ kind: 'ended', reason: 'kicked', message: 'session ended (kicked)' });
    await h.until((f) =>
      expect(statusLine(f)).toBe('✗ session ended (kicked) (run chat-tui login)'),
    );
    h.chat.setState({ kind: 'ended', reason: 'unauthorized', message: 'session refused' });
    await h.until((f) => expect(statusLine(f)).toBe('✗ session refused (run chat-tui login)'));
  });

  it('shows one current status: a reconnect line goes when the connection goes down again', async () => {
    h = await setup();
    h.chat.fire('status', 'chat-2 went away; reconnected to chat-1; 0 missed messages recovered');
    await h.until((f) => expect(statusLine(f)).toContain('↻ chat-2 went away; reconnected'));
    h.chat.setState({ kind: 'reconnecting', attempt: 1, inMs: 0, reason: 'chat-1 went away' });
    await h.until((f) => expect(statusLine(f)).toBe('… chat-1 went away'));
    // Up again, the old line does not come back: the next status event says what happened.
    h.chat.setState({
      kind: 'connected',
      server: 'http://127.0.0.1:3000',
      instanceId: 'chat-3',
      bootId: 'b3',
    });
    await h.until((f) => {
      expect(headerLine(f)).toContain('chat-3 │ ● connected');
      expect(statusLine(f).trim()).toBe('');
    });
  });

  it('fits the width: at 40 columns the connection state still shows', async () => {
    h = await setup({ columns: 40, rows: 12 });
    await h.until((f) => {
      expect(headerLine(f)).toContain('● connected');
      expect(headerLine(f)).toContain('chat-1');
    });
    h.chat.setState({ kind: 'reconnecting', attempt: 2, inMs: 4000, reason: 'chat-1 went away' });
    await h.until((f) => {
      expect(headerLine(f)).toContain('◌ reconnecting, attempt 2 in 4 s');
      expect(headerLine(f)).not.toContain('…');
      expect(statusLine(f)).toBe('… chat-1 went away');
    });
  });
});
