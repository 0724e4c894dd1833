import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { LiveProgress } from '../../src/admin/loadtest/LiveProgress.js';
import { plainLine } from '../../src/admin/loadtest/progress-text.js';
import { sendingPhase, type LiveState } from '../../src/admin/loadtest/runner.js';

const state = (over: Partial<LiveState>): LiveState => ({
  phase: 'ramp',
  elapsedMs: 8000,
  rampMs: 30_000,
  totalMs: 60_000,
  drainMs: 10_000,
  requested: 100,
  connected: 0,
  failed: 0,
  sent: 0,
  delivered: 0,
  deliveredPerSec: 0,
  p99Ms: 0,
  ...over,
});

/** The Ink view's frame and the plain line for one state. */
function shown(s: LiveState): { frame: string; line: string } {
  const app = render(<LiveProgress s={s} />);
  const frame = app.lastFrame() ?? '';
  app.unmount();
  return { frame, line: plainLine(s) };
}

describe('load test progress', () => {
  it('the ramp bar and its percentage are the clients connected, not the time', () => {
    const app = render(<LiveProgress s={state({})} />);
    const f = app.lastFrame() ?? '';
    expect(f).toContain(`ramp     ${'░'.repeat(30)} 0% connected · 8 s of 60 s (13%)`);
    expect(f).toContain('connected 0/100');
    expect(f).not.toContain('27%');
    app.rerender(<LiveProgress s={state({ connected: 50, elapsedMs: 29_000 })} />);
    expect(app.lastFrame()).toContain(`${'█'.repeat(15)}${'░'.repeat(15)} 50% connected`);
    app.unmount();
  });

  it('names each phase as it happens, and the word ramp only during the ramp', () => {
    expect([0, 29_999, 30_000, 60_000].map((t) => sendingPhase(t, 30_000))).toEqual([
      'ramp',
      'ramp',
      'steady',
      'steady',
    ]);
    expect(sendingPhase(0, 0)).toBe('steady'); // no ramp asked for: no ramp phase
    const steady = shown(state({ phase: 'steady', elapsedMs: 45_000, connected: 100 }));
    expect(steady.frame).toMatch(/^steady {3}█{30} 100% connected · 45 s of 60 s \(75%\)$/m);
    expect(steady.frame).not.toContain('ramp');
    expect(steady.line).toMatch(/^loadtest: steady · 45 s of 60 s \(75%\) · connected 100\/100 ·/);
    expect(steady.line).not.toContain('ramp');
    const users = shown(state({ phase: 'users', elapsedMs: 0 }));
    expect(users.frame).toContain('users    ');
    expect(users.line).toContain('making 100 users');
  });

  it('never shows time past the run, and the drain and the cleanup as phases of their own', () => {
    // The last tick of the sending can land a little after its end.
    const late = shown(state({ phase: 'steady', elapsedMs: 61_000, connected: 100 }));
    expect(late.frame).toContain('60 s of 60 s (100%)');
    expect(late.line).toContain('60 s of 60 s (100%)');
    const drain = shown(
      state({ phase: 'drain', elapsedMs: 60_000, sent: 3000, delivered: 9000, deliveredPerSec: 7 }),
    );
    for (const text of [drain.frame, drain.line]) {
      expect(text).toMatch(/^(loadtest: drain · |drain {4})checking every delivery, at most 10 s/m);
      expect(text).not.toMatch(/\d+ s of \d+ s/);
      expect(text).toContain('sent 3000 · delivered 9000 · p99');
      expect(text).not.toContain('/s)'); // nothing is sent any more: no rate
    }
    const cleanup = shown(state({ phase: 'cleanup', elapsedMs: 60_000, sent: 3000 }));
    for (const text of [cleanup.frame, cleanup.line]) {
      expect(text).toContain("removing the run's users and rooms");
      expect(text).toMatch(/^(loadtest: )?cleanup/m);
      expect(text).not.toMatch(/\d+ s of \d+ s/);
    }
  });
});
