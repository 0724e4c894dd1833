import { expect, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { userName } from './cluster.js';
import { alive, tmpDir } from './processes.js';

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

/**
 * Real terminals for end-to-end tests: tmux sessions on a private server (`-L socket`), each
 * running the built `chat-tui` under a shell that prints its exit status afterwards (tmux
 * does not always reap a pane's process promptly, nor show what a dying pane wrote last).
 * `close()` ends every pane's processes by PID, then the tmux server.
 */
export class TmuxPanes {
  private readonly shellPids: number[] = [];

  constructor(
    private readonly socket: string,
    private readonly bin: string,
  ) {}

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  screen(pane: string): string {
    return this.tmux('capture-pane', '-p', '-t', pane);
  }

  info(pane: string, fmt: string): string {
    return this.tmux('display-message', '-p', '-t', pane, fmt).trim();
  }

  /** Polls the pane (tmux has no change events) until `check` stops throwing. */
  until(pane: string, check: (screen: string) => void, timeout = 20_000): Promise<void> {
    return vi.waitFor(() => check(this.screen(pane)), { timeout, interval: 100 });
  }

  /** Types a line like a person: the text, then Enter as its own key press. */
  async say(pane: string, text: string): Promise<void> {
    this.tmux('send-keys', '-t', pane, '-l', text);
    await this.until(pane, (s) => expect(s).toContain(text.slice(-30)));
    this.tmux('send-keys', '-t', pane, 'Enter');
  }

  /**
   * Waits until the pane shows each line exactly once and nothing pending or failed, then
   * checks they stand in the given order.
   */
  async showsOnceInOrder(pane: string, lines: readonly string[]): Promise<void> {
    const count = (s: string, text: string): number => s.split(text).length - 1;
    await this.until(pane, (s) => {
      for (const l of lines) expect(count(s, l), `${pane}: ${l}`).toBe(1);
      expect(s).not.toContain('sending…');
      expect(s).not.toContain('failed');
    });
    const s = this.screen(pane);
    const at = lines.map((l) => s.indexOf(l));
    expect([...at].sort((x, y) => x - y)).toEqual(at);
  }

  /**
   * Logs `user` in from the command line (`login --password-stdin`, password `<user>-pw`),
   * saving the session in `configDir`, so that a pane started with it logs straight in.
   */
  login(user: string, server: string, configDir: string): void {
    execFileSync(
      process.execPath,
      [this.bin, 'login', '--server', server, '--user', user, '--password-stdin'],
      { input: `${user}-pw\n`, env: { ...process.env, CHAT_TUI_CONFIG_DIR: configDir } },
    );
  }

  /**
   * A new user (named after `base`) with a config dir of its own, logged in to `server` from
   * the command line (see {@link login}): what a pane opened with `conf` starts as.
   */
  user(base: string, server: string): { name: string; conf: string } {
    const name = userName(base);
    const conf = tmpDir(`tmux-${base}`);
    this.login(name, server, conf);
    return { name, conf };
  }

  /** Runs `chat-tui <args>` in a new session of the given size, with its own config dir. */
  open(name: string, configDir: string, args: string[], size = { x: 80, y: 24 }): void {
    const env = [`CHAT_TUI_CONFIG_DIR=${configDir}`, 'TZ=UTC', 'TERM=xterm-256color'];
    const run = `env ${env.join(' ')} ${process.execPath} ${this.bin} ${args.join(' ')}`;
    // The shell stays (sleeping) after chat-tui exits, so its last words stay on screen.
    this.run(name, `${run}; echo "chat-tui exited with $?"; exec sleep 600`, size);
  }

  /** Runs a shell command in a new session of the given size (ended by {@link close}). */
  run(name: string, command: string, size = { x: 80, y: 24 }): void {
    this.tmux('new-session', '-d', '-s', name, '-x', String(size.x), '-y', String(size.y), command);
    this.shellPids.push(Number(this.info(name, '#{pane_pid}')));
  }

  /** The chat-tui process of a pane (the child of the pane's shell). */
  clientPid(pane: string): number {
    const out = execFileSync('ps', ['-o', 'pid=', '--ppid', this.info(pane, '#{pane_pid}')], {
      encoding: 'utf8',
    });
    return Number(out.trim().split(/\s+/)[0]);
  }

  /** Waits until the pane's chat-tui has exited with 0 and the normal screen is back. */
  async exitedCleanly(pane: string): Promise<void> {
    await this.until(pane, (s) => expect(s, pane).toContain('chat-tui exited with 0'), 10_000);
    expect(this.info(pane, '#{?alternate_on,alternate,normal}')).toBe('normal');
  }

  close(): void {
    closePanes(this.socket, this.shellPids);
  }
}
