import { sanitizeInline } from '../../sanitize.js';
import { clear } from './clear.js';
import { del, edit } from './edit.js';
import { away, back } from './away.js';
import { help } from './help.js';
import { ignore, unignore } from './ignore.js';
import { join } from './join.js';
import { leave } from './leave.js';
import { me } from './me.js';
import { mentions } from './mentions.js';
import { msg } from './msg.js';
import { query } from './query.js';
import { quit } from './quit.js';
import { rooms } from './rooms.js';
import { jump, search } from './search.js';
import type { CommandArgs, CommandHost, SlashCommand } from './types.js';
import { who } from './who.js';
import { url } from './url.js';
import { window } from './window.js';

/** Every slash command, in the order `/help` lists them. A new command is a file and a line here. */
export const COMMANDS: readonly SlashCommand[] = [
  join,
  msg,
  query,
  mentions,
  leave,
  rooms,
  window,
  who,
  ignore,
  unignore,
  away,
  back,
  me,
  edit,
  del,
  search,
  jump,
  url,
  clear,
  help,
  quit,
];

const BY_NAME = new Map<string, SlashCommand>(
  COMMANDS.flatMap((c) => [c.name, ...c.aliases].map((n) => [n, c] as const)),
);

/** A line the user typed, read as a chat message or a command. */
export type ParsedInput =
  | { type: 'empty' }
  | { type: 'message'; text: string }
  | { type: 'command'; command: SlashCommand; args: CommandArgs }
  | { type: 'unknown'; name: string };

export function parseInput(line: string): ParsedInput {
  const text = line.trim();
  if (text === '') return { type: 'empty' };
  // `//text` sends `/text` as a message.
  if (text.startsWith('//')) return { type: 'message', text: text.slice(1) };
  if (!text.startsWith('/')) return { type: 'message', text: line.trimEnd() };
  const [head = '', ...words] = text.slice(1).split(/\s+/);
  const command = BY_NAME.get(head.toLowerCase());
  if (!command) return { type: 'unknown', name: head };
  return { type: 'command', command, args: { words, line: text } };
}

/** Runs a line the user entered: a message to the active room, or a slash command. */
export async function runInput(host: CommandHost, line: string): Promise<void> {
  const input = parseInput(line);
  switch (input.type) {
    case 'empty':
      return;
    case 'message':
      return host.say(input.text, 'text');
    case 'command': {
      const { command, args } = input;
      if (command.maxWords !== undefined && args.words.length > command.maxWords) {
        const extra = sanitizeInline(args.words.slice(command.maxWords).join(' '), 40);
        return host.info(
          `usage: ${command.usage} (not run: "${extra}" is more than it takes)`,
          'error',
        );
      }
      return command.run(host, args);
    }
    case 'unknown':
      return host.info(
        `unknown command /${sanitizeInline(input.name, 24)}: /help lists the commands (start with // to send a line beginning with /)`,
        'error',
      );
  }
}
