import { describe, expect, it } from 'vitest';
import { exitCodeFor, instanceUrl } from '../../src/admin/connection.js';
import { restartLimit } from '../../src/admin/restart.js';
import { ExitCode } from '../../src/admin/exit-codes.js';
import {
  clean,
  formatBytes,
  formatDuration,
  parseDuration,
  table,
} from '../../src/admin/output.js';
import { AdminError } from '../../src/admin/exit-codes.js';
import { parseServer } from '../../src/admin/settings.js';
import { sparkline } from '../../src/admin/watch/sparkline.js';

describe('admin helpers (no network)', () => {
  it('never restarts every instance at once unless forced', () => {
    const live = ['chat-1', 'chat-2', 'chat-3'];
    expect(restartLimit(live, live, false)).toBe(2);
    expect(restartLimit(live, live, true)).toBe(3);
    // Others keep serving: the named ones may all go together.
    expect(restartLimit(['chat-1', 'chat-2'], live, false)).toBe(2);
    expect(() => restartLimit(['chat-1'], ['chat-1'], false)).toThrow(
      /chat-1 is the only live instance.*--force/,
    );
    expect(restartLimit(['chat-1'], ['chat-1'], true)).toBe(1);
  });

  it('reaches an instance at the address its status gives, or on our host when it listens on all', () => {
    const via = 'http://127.0.0.1:3000';
    expect(instanceUrl({ host: '127.0.0.1', port: 4001 }, via)).toBe('http://127.0.0.1:4001');
    expect(instanceUrl({ host: '0.0.0.0', port: 4002 }, 'https://chat.example:443')).toBe(
      'https://chat.example:4002',
    );
    expect(instanceUrl({ host: '::1', port: 4003 }, via)).toBe('http://[::1]:4003');
  });

  it('parses durations', () => {
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect([1, 999, 1000, 1500, 60_000].map(formatDuration)).toEqual([
      '1 ms',
      '999 ms',
      '1 s',
      '1.5 s',
      '60 s',
    ]);
  });

  it('maps ack error codes to exit codes', () => {
    expect(exitCodeFor({ code: 'unauthorized', message: '' })).toBe(ExitCode.Unauthorized);
    expect(exitCodeFor({ code: 'forbidden', message: '' })).toBe(ExitCode.Unauthorized);
    expect(exitCodeFor({ code: 'unavailable', message: '' })).toBe(ExitCode.Unreachable);
    expect(exitCodeFor({ code: 'bad_request', message: '' })).toBe(ExitCode.Usage);
    expect(exitCodeFor({ code: 'not_found', message: '' })).toBe(ExitCode.Failed);
  });

  it('normalises server URLs and refuses others', () => {
    expect(parseServer('127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
    expect(parseServer('https://chat.example.com/')).toBe('https://chat.example.com');
    expect(() => parseServer('ftp://x')).toThrow(AdminError);
  });

  it('strips control and escape sequences from remote text', () => {
    expect(clean('ro\x1b[31mom\x1b[0m\x07\r')).toBe('room');
  });

  it('formats tables, sizes and sparklines', () => {
    expect(
      table(
        ['A', 'NUM'],
        [
          ['x', '5'],
          ['yy', '10'],
        ],
        [1],
      ),
    ).toEqual(['A   NUM', 'x     5', 'yy   10']);
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(sparkline([0, 1, 2, 4], 6)).toBe('  ▁▃▅█');
  });
});
