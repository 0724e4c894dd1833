import { Command } from 'commander';
import wrapAnsi from 'wrap-ansi';
import type { ChatMessage } from '../../protocol/index.js';
import { MESSAGE_ID_PATTERN } from '../../protocol/index.js';
import { CliError, Exit } from '../errors.js';
import { checkRoom } from '../room-name.js';
import { messageBody, sanitizeInline } from '../sanitize.js';
import { connectForScript, obtainSession } from '../session.js';
import { Settings } from '../settings.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** Below this many columns beside the time column, lines are left for the terminal to wrap. */
const MIN_WRAP_COLUMNS = 20;

/**
 * One message for people: `HH:MM:SS from: text`, every remote string made safe. Its own line
 * breaks start continuation lines, indented past the time column and marked (the TUI's rule,
 * {@link messageBody}); with `columns` (a terminal's width), long lines wrap beside the time
 * column too, so no row of a message but its first starts where a message starts.
 */
export function formatMessage(m: ChatMessage, columns?: number): string {
  const d = new Date(m.ts);
  const t = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const from = sanitizeInline(m.from);
  // As it is when printed: edited or deleted before it (a change after it is not printed).
  const text = m.deleted ? 'message deleted' : messageBody(m.text) + (m.rev ? ' (edited)' : '');
  const body =
    m.kind === 'action'
      ? `* ${from} ${text}`
      : m.kind === 'broadcast'
        ? `[broadcast] ${from}: ${text}`
        : `${from}: ${text}`;
  const indent = ' '.repeat(t.length + 1);
  const width = columns === undefined ? 0 : columns - indent.length;
  const rows =
    width >= MIN_WRAP_COLUMNS
      ? wrapAnsi(body, width, { hard: true, trim: true }).split('\n')
      : body.split('\n');
  return rows.map((r, i) => (i === 0 ? `${t} ${r}` : `${indent}${r}`)).join('\n');
}

/** One message for programs: a JSON object per line (JSON escapes every control character). */
export function jsonMessage(m: ChatMessage): string {
  return JSON.stringify({
    id: m.id,
    room: m.room,
    from: m.from,
    text: m.text,
    ts: m.ts,
    kind: m.kind,
    ...(m.deleted ? { deleted: true } : m.rev ? { edited: true } : {}),
  });
}

export function tailCommand(): Command {
  return new Command('tail')
    .description('print a room’s messages as they come (recent history first)')
    .argument('<room>', 'room name, or @user for the direct conversation with user')
    .option('-s, --server <url>', 'server URL(s)')
    .option('--since <id>', 'start after this message id (everything newer)')
    .option('--json', 'one JSON object per line: id, room, from, text, ts, kind (edited, deleted)')
    .action(async (room: string, opts: { server?: string; since?: string; json?: boolean }) => {
      const name = checkRoom(room);
      if (opts.since !== undefined && !MESSAGE_ID_PATTERN.test(opts.since))
        throw new CliError(`--since needs a message id like 1732371000000-0`, Exit.Usage);
      const settings = new Settings();
      const servers = settings.servers(opts.server);
      const session = await obtainSession(settings, servers[0]!, { interactive: false });
      const client = await connectForScript(servers, session.token);
      // On a terminal, wrapped here beside the time column (the terminal would wrap to column 0).
      const columns = (): number | undefined =>
        process.stdout.isTTY ? process.stdout.columns : undefined;
      const format = opts.json ? jsonMessage : (m: ChatMessage) => formatMessage(m, columns());
      let printedSeq = 0;
      // Print in id order and only what has no hole before it: a resumed message never
      // comes after a newer one, and none is printed twice.
      const flush = (): void => {
        const r = client.rooms.get(name);
        if (!r) return;
        let i = r.messages.length;
        while (i > 0 && r.messages[i - 1]!.seq > printedSeq) i--;
        let out = '';
        for (; i < r.messages.length; i++) {
          const m = r.messages[i]!;
          if (m.seq > r.contiguousSeq) break;
          out += `${format(m)}\n`;
          printedSeq = m.seq;
        }
        if (out) process.stdout.write(out);
      };
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        client.close();
        process.exit(err.code === 'EPIPE' ? Exit.Ok : Exit.Error);
      });
      client.on('room', flush);
      client.on('message', flush);
      client.on('gap', (_room, gap) => {
        process.stderr.write(
          gap.reset
            ? `chat-tui: the server's history of #${sanitizeInline(_room)} was reset; reloaded it\n`
            : `chat-tui: ${gap.missing} messages are no longer kept by the server\n`,
        );
      });
      // Status lines can carry what a server said: drawn as safely as messages.
      client.on('status', (s) => process.stderr.write(`chat-tui: ${sanitizeInline(s, 400)}\n`));
      try {
        await client.join(name, opts.since);
      } catch (err) {
        client.close();
        throw new CliError(`cannot join #${name}: ${(err as Error).message}`);
      }
      flush();
      await new Promise<void>((resolve, reject) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        client.on('state', (s) => {
          if (s.kind === 'ended' && s.reason !== 'closed') reject(new CliError(s.message));
        });
      }).finally(() => client.close());
    });
}
