import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { LiveProgress } from '../../src/admin/loadtest/LiveProgress.js';
import type { LiveState } from '../../src/admin/loadtest/runner.js';

const state = (over: Partial<LiveState>): LiveState => ({
  phase: 'ramp',
  elapsedMs: 8000,
  rampMs: 30_000,
  totalMs: 60_000,
  requested: 100,
  connected: 0,
  failed: 0,
  sent: 0,
  delivered: 0,
  deliveredPerSec: 0,
  p99Ms: 0,
  ...over,
});

describe('load test progress', () => {
  it('the ramp bar and its percentage are the clients connected, not the time', () => {
    const app = render(<LiveProgress s={state({})} />);
    const f = app.lastFrame() ?? '';
    expect(f).toContain(`ramp ${'░'.repeat(30)} 0% connected · 8 s of 60 s (13%)`);
    expect(f).toContain('connected 0/100');
    expect(f).not.toContain('27%');
    app.rerender(<LiveProgress s={state({ connected: 50, elapsedMs: 29_000 })} />);
    expect(app.lastFrame()).toContain(`${'█'.repeat(15)}${'░'.repeat(15)} 50% connected`);
    app.unmount();
  });
});
