import { execFileSync } from 'node:child_process';
import { alive } from './processes.js';

/**
 * Ends what tmux panes ran, by PID: each pane shell's children (chat-tui), then the shell,
 * then the test's own tmux server (`-L socket`).
 */
export function closePanes(socket: string, shellPids: readonly number[]): void {
  for (const shell of shellPids) {
    try {
      const kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(shell)], {
        encoding: 'utf8',
      });
      for (const pid of kids.trim().split(/\s+/).filter(Boolean).map(Number))
        if (alive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // no children left
    }
    if (alive(shell)) process.kill(shell, 'SIGKILL');
  }
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server']);
  } catch {
    // already gone
  }
}
