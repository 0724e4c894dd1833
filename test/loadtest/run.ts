import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { LoadtestReport } from '../../src/admin/loadtest/report.js';
import { ROOT, exited, tmpDir, track } from '../helpers/processes.js';

/**
 * Runs the built `chat-admin loadtest` as a process; `onLine` sees its stderr lines and the
 * process (to signal it: SIGUSR2 ends the sending early).
 */
export async function runLoadtest(
  server: string,
  token: string,
  args: string[],
  onLine: (line: string, loadtest: ChildProcess) => void = () => undefined,
): Promise<{ code: number | null; report: LoadtestReport; stderr: string[] }> {
  const child = track(
    spawn(
      process.execPath,
      [
        path.join(ROOT, 'dist/admin/main.js'),
        '--server',
        server,
        '--token',
        token,
        'loadtest',
        '--json',
        ...args,
      ],
      {
        env: { ...process.env, CHAT_ADMIN_CONFIG_DIR: tmpDir('admin-config') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => {
    stderr.push(l);
    onLine(l, child);
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const { code } = await exited(child);
  let report: LoadtestReport;
  try {
    report = JSON.parse(out) as LoadtestReport;
  } catch {
    throw new Error(`loadtest exited ${code} without a report: ${stderr.slice(-5).join('\n')}`);
  }
  return { code, report, stderr };
}
