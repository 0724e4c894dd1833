import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { ADMIN_NAMESPACE, type Result } from '../../src/protocol/index.js';
import { TEST_ENV, connectUser } from '../helpers/cluster.js';
import { ROOT, exited, killAll, tmpDir, track } from '../helpers/processes.js';
import { ChaosCluster, record } from './harness.js';

const BIN = path.join(ROOT, 'bin/chat-tui.js');
let cluster: ChaosCluster;
const ENV = { ...process.env, CHAT_TUI_CONFIG_DIR: tmpDir('escapes-conf'), TZ: 'UTC' };

beforeAll(async () => {
  cluster = await ChaosCluster.start(2);
});
afterAll(async () => {
  cluster.stop();
  await killAll();
});

const HOSTILE = [
  'red \u001b[31mRED\u001b[0m text',
  'clipboard \u001b]52;c;aGVsbG8=\u0007 grab',
  'title \u001b]0;pwned\u0007 set',
  'c1 csi \u009b31m and NEL \u0085',
  'overwrite safe\rEVIL',
  'erase abc\b\b\bxyz',
  'bidi \u202eevil\u202c end',
  'zero\u200bwidth\u200djoin',
  'bell \u0007\u0007',
];

describe('chaos: escape sequences from remote text', () => {
  it('13. escape, control, bidi and zero-width characters reach the terminal only as visible text', async () => {
    const url = cluster.urls[0]!;
    const login = track(
      spawn(
        process.execPath,
        [BIN, 'login', '--server', url, '--user', 'watcher', '--password-stdin'],
        { env: ENV, stdio: 'pipe' },
      ),
    );
    login.stdin!.end('password-1\n');
    expect((await exited(login)).code).toBe(0);

    const tail = track(
      spawn(process.execPath, [BIN, 'tail', 'hostile', '--server', url], {
        env: ENV,
        stdio: 'pipe',
      }),
    );
    const chunks: Buffer[] = [];
    let lines = 0;
    const enough = new Promise<void>((resolve) =>
      tail.stdout!.on('data', (d: Buffer) => {
        chunks.push(d);
        lines += d.toString().split('\n').length - 1;
        if (lines >= HOSTILE.length + 1) resolve();
      }),
    );

    const { client } = await connectUser([url]);
    await client.join('hostile');
    for (const text of HOSTILE) expect((await client.send('hostile', text)).state).toBe('sent');
    const admin = io(`${url}${ADMIN_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { adminToken: TEST_ENV.CHAT_ADMIN_TOKEN },
      forceNew: true,
    });
    const res = await new Promise<Result<unknown>>((resolve) =>
      admin.emit(
        'admin:broadcast',
        { text: 'admin \u001b[2J\u001b[H wipe', room: 'hostile' },
        resolve,
      ),
    );
    admin.close();
    expect(res.ok).toBe(true);
    await enough;
    tail.kill('SIGTERM');
    await exited(tail);
    client.close();

    const raw = Buffer.concat(chunks);
    const text = raw.toString('utf8');
    const esc = raw.includes(0x1b);
    const c1 = [...text].some((ch) => ch.codePointAt(0)! >= 0x80 && ch.codePointAt(0)! <= 0x9f);
    const otherC0 = [...text].some((ch) => ch.codePointAt(0)! < 0x20 && ch !== '\n');
    const bidi = /[\u202a-\u202e\u2066-\u2069\u200b-\u200d]/.test(text);
    record({
      id: 13,
      scenario:
        'ESC/CSI/OSC 52/title, C1, CR, backspace, BEL, bidi overrides and zero-width characters in messages and an admin broadcast, printed by the real `chat-tui tail`',
      expected:
        'names with them are refused by the server (scenario 14); message text is shown with every control visible (`^[`, `<U+202E>`): no ESC, C1 or other control byte reaches the terminal (the TUI uses the same sanitiser; test/cli/hostile.test.tsx checks its frames)',
      figures: {
        linesPrinted: lines,
        escBytes: esc,
        c1Chars: c1,
        otherControlChars: otherC0,
        bidiOrZeroWidth: bidi,
        showsCaretEscape: text.includes('^[[31m'),
      },
      command: 'npx vitest run -c vitest.chaos.config.ts test/chaos/escapes.test.ts',
    });
    expect(esc).toBe(false);
    expect(c1).toBe(false);
    expect(otherC0).toBe(false);
    expect(bidi).toBe(false);
    expect(text).toContain('^[[31m');
    expect(text).toContain('<U+202E>');
    expect(text).toContain('^[[2J');
  });
});
