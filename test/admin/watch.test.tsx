import { EventEmitter } from 'node:events';
import { render as inkRender } from 'ink';
import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AdminClient } from '../../src/admin/connection.js';
import { toStatusDocument, type StatusDocument } from '../../src/admin/status-document.js';
import { StatusView } from '../../src/admin/watch/StatusView.js';
import { WatchApp } from '../../src/admin/watch/WatchApp.js';
import {
  initialWatchState,
  nextWatchState,
  type WatchState,
} from '../../src/admin/watch/watch-state.js';
import type { ChatClient } from '../../src/client/chat-client.js';
import { TEST_ENV, connectUser, startInstances, type TestInstance } from '../helpers/cluster.js';
import { killAll } from '../helpers/processes.js';
import { TestRedis } from '../helpers/redis.js';
import { adminJson } from './run-admin.js';

let redis: TestRedis;
let nodes: TestInstance[];
const clients: ChatClient[] = [];
let doc: StatusDocument;

beforeAll(async () => {
  redis = await TestRedis.start();
  nodes = await startInstances(3, redis.url, { CHAT_KEY_PREFIX: 'admin-watch:' });
  for (const [n, count] of [1, 2, 3].entries()) {
    for (let i = 0; i < count; i++) clients.push((await connectUser([nodes[n]!.url])).client);
  }
  // A real status document, as `status --json` prints it, once it counts every client.
  const deadline = Date.now() + 5000;
  do {
    doc = await adminJson<StatusDocument>(['--server', nodes[0]!.url, 'status'], {
      CHAT_ADMIN_TOKEN: TEST_ENV.CHAT_ADMIN_TOKEN,
    });
  } while (doc.totals.connections < 6 && Date.now() < deadline);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await killAll();
});

/** The frame's row for an instance, split into its cells. */
function row(frame: string, id: string): string[] {
  const line = frame.split('\n').find((l) => l.startsWith(`${id} `));
  if (!line) throw new Error(`no row for ${id} in\n${frame}`);
  return line.trim().split(/\s+/);
}

describe('status --watch view', () => {
  it('draws a row per instance from a real status document, then totals and Redis', () => {
    const now = Date.now();
    const state = nextWatchState(initialWatchState, { doc }, now);
    const { lastFrame, unmount } = render(
      <StatusView server={nodes[0]!.url} state={state} now={now} width={100} />,
    );
    const frame = lastFrame()!;
    console.log(frame);
    for (const [n, inst] of doc.instances.entries()) {
      const cells = row(frame, inst.id);
      expect(cells[1]).toBe('ready');
      expect(cells[2]).toBe(`127.0.0.1:${nodes[n]!.port}/${nodes[n]!.pid}`);
      expect(cells[4]).toBe(String(n + 1)); // connections: 1, 2, 3
      expect(cells.at(-1)).toBe(nodes[n]!.bootId);
    }
    expect(row(frame, 'total').slice(0, 4)).toEqual(['total', '3', 'up', '6']);
    expect(frame).toMatch(new RegExp(`redis ${doc.redis.version!.replace(/\./g, '\\.')} ok ping`));
    expect(frame).toMatch(/q quits/);
    unmount();
  });

  it('shows an instance that disappears as gone, without counts', () => {
    const t0 = Date.now();
    let state = nextWatchState(initialWatchState, { doc }, t0);
    const without = toStatusDocument({
      instances: [],
      totals: { instances: 0, connections: 0, rooms: 0, msgsInPerSec: 0, msgsOutPerSec: 0 },
      redis: { ok: true },
      answeredBy: 'chat-1',
    });
    const fewer: StatusDocument = {
      ...without,
      instances: doc.instances.filter((i) => i.id !== 'chat-2'),
      totals: { ...doc.totals, instances: 2 },
      redis: doc.redis,
    };
    state = nextWatchState(state, { doc: fewer }, t0 + 3000);
    const { lastFrame, unmount } = render(
      <StatusView server="x" state={state} now={t0 + 3000} width={120} />,
    );
    const frame = lastFrame()!;
    expect(row(frame, 'chat-2').slice(0, 2)).toEqual(['chat-2', 'gone']);
    expect(row(frame, 'chat-2')).not.toContain('2'); // no frozen connection count
    expect(frame).toMatch(/MSGS\/s/); // wide enough for the sparklines
    unmount();
  });

  /** `count` polls of the real document, each instance's rate different every second. */
  function polled(count: number, t0: number): WatchState {
    let state = initialWatchState;
    for (let n = 0; n < count; n++) {
      const busy = {
        ...doc,
        instances: doc.instances.map((i, k) => ({ ...i, msgsInPerSec: (n * (k + 3)) % 17 })),
      };
      state = nextWatchState(state, { doc: busy }, t0 + n * 1000);
    }
    return state;
  }

  /**
   * The watch screen in a terminal `width` columns wide, drawn by Ink as the testing library
   * draws (debug mode: each frame whole), on a terminal of that width (the library's has 100).
   */
  function drawn(state: WatchState, now: number, width: number): string {
    let frame = '';
    const stdout = Object.assign(new EventEmitter(), {
      columns: width,
      rows: 40,
      // The frame is the write that holds the table: under CI=true Ink writes other output
      // after it (on unmount), which is not a frame.
      write: (f: string) => {
        if (f.includes('INSTANCE ')) frame = f;
        return true;
      },
    });
    const app = inkRender(
      <StatusView server={nodes[0]!.url} state={state} now={now} width={width} />,
      {
        stdout: stdout as unknown as NodeJS.WriteStream,
        debug: true,
        patchConsole: false,
        exitOnCtrlC: false,
      },
    );
    app.unmount();
    return frame;
  }

  /**
   * The frame's rows split at the header's column starts: every cell must start at its
   * header, with a blank column before it, and no row may be wider than the terminal.
   */
  function table(frame: string, width: number): Map<string, Record<string, string>> {
    const lines = frame.split('\n');
    for (const l of lines)
      expect(stringWidth(l), `wider than ${width}: ${l}`).toBeLessThanOrEqual(width);
    const header = lines.find((l) => l.startsWith('INSTANCE '))!;
    const starts = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index }));
    const rows = new Map<string, Record<string, string>>();
    for (const line of lines.slice(lines.indexOf(header) + 1)) {
      const id = /^\S+/.exec(line)?.[0];
      if (!id || !/^(chat-\d+|total)$/.test(id)) continue;
      const chars = [...line];
      const cells: Record<string, string> = {};
      starts.forEach(({ name, at }, n) => {
        if (at > 0)
          expect(chars[at - 1] ?? ' ', `${id}: ${name} touches its left neighbour`).toBe(' ');
        cells[name] = chars
          .slice(at, starts[n + 1]?.at)
          .join('')
          .trim();
      });
      rows.set(id, cells);
    }
    return rows;
  }

  it('keeps every column apart at 80 and 120 columns: the sparkline never runs into BOOT', () => {
    const t0 = Date.now();
    const state = polled(20, t0);
    for (const width of [80, 120]) {
      const rows = table(drawn(state, t0 + 20_000, width), width);
      for (const [n, inst] of doc.instances.entries()) {
        const cells = rows.get(inst.id)!;
        expect(cells.STATE).toBe('ready');
        expect(cells.CONNS).toBe(String(n + 1));
        expect(cells.BOOT).toBe(nodes[n]!.bootId);
        if (width === 120) {
          // A full sparkline, all bars, in a column of its own.
          expect(cells['MSGS/s']).toMatch(/^[▁▂▃▄▅▆▇█]{15}$/);
          expect(cells['ADDRESS/PID']).toBe(`127.0.0.1:${nodes[n]!.port}/${nodes[n]!.pid}`);
        } else {
          // At 80 the address (and the sparkline) give way rather than overlap.
          expect(cells).not.toHaveProperty('ADDRESS/PID');
          expect(cells).not.toHaveProperty('MSGS/s');
        }
      }
      expect(rows.get('total')?.CONNS).toBe('6');
    }
  });

  it('starts a fresh sparkline for an instance replaced under the same name (new boot id)', () => {
    const t0 = Date.now();
    let state = polled(10, t0);
    const replaced: StatusDocument = {
      ...doc,
      instances: doc.instances.map((i) =>
        i.id === 'chat-2' ? { ...i, bootId: 'b00700000000', msgsInPerSec: 5 } : i,
      ),
    };
    state = nextWatchState(state, { doc: replaced }, t0 + 10_000);
    const rows = table(drawn(state, t0 + 10_000, 120), 120);
    // chat-1 keeps its 11 samples; the new chat-2 has one, not its predecessor's ten.
    expect(rows.get('chat-1')?.['MSGS/s']).toHaveLength(11);
    expect(rows.get('chat-2')?.BOOT).toBe('b00700000000');
    expect(rows.get('chat-2')?.['MSGS/s']).toBe('█');
    expect(state.history['b00700000000']).toEqual([5]);
  });

  it('polls a live cluster, marks a SIGKILLed instance gone, and quits on q', async () => {
    const admin = await AdminClient.connect({
      server: nodes[0]!.url,
      token: TEST_ENV.CHAT_ADMIN_TOKEN!,
      tokenSource: 'test',
    });
    const fetchStatus = async (): Promise<StatusDocument> =>
      toStatusDocument(await admin.call('admin:status', {}, 3000));
    const onQuit = vi.fn();
    const { lastFrame, stdin, unmount } = render(
      <WatchApp
        server={nodes[0]!.url}
        fetchStatus={fetchStatus}
        intervalMs={250}
        onQuit={onQuit}
      />,
    );
    try {
      await vi.waitFor(() => expect(row(lastFrame()!, 'chat-3')[1]).toBe('ready'), {
        timeout: 5000,
      });
      await nodes[2]!.kill('SIGKILL');
      await vi.waitFor(() => expect(row(lastFrame()!, 'chat-3')[1]).toBe('gone'), {
        timeout: 6000,
        interval: 100,
      });
      expect(row(lastFrame()!, 'total').slice(0, 3)).toEqual(['total', '2', 'up']);
      stdin.write('q');
      await vi.waitFor(() => expect(onQuit).toHaveBeenCalled());
    } finally {
      unmount();
      admin.close();
    }
  });
});
