import type { ChatPort } from '../state/chat-port.js';
import type { LocalLine } from '../state/entries.js';
import type { MentionRecord } from '../state/mentions.js';
import type { MessageTools } from '../state/message-tools.js';

/** What a slash command may read and do: the part of the chat store commands act on. */
export interface CommandHost {
  readonly client: ChatPort;
  /** The room on screen. */
  readonly activeRoom: string | undefined;
  /** Joined rooms and open direct conversations (`@peer`), in tab order. */
  readonly joined: readonly string[];
  readonly recentMentions: readonly MentionRecord[];
  /** Edit, delete, search and jump. */
  readonly tools: MessageTools;
  /** The mentions after the user's read markers, asked of the server, with those heard here. */
  loadMentions(): Promise<readonly MentionRecord[]>;
  /** Shows a room (opening it if needed) scrolled to the message `id` when it holds it. */
  jumpTo(room: string, id: string | undefined): Promise<void>;
  info(text: string, tone?: LocalLine['tone']): void;
  say(text: string, kind: 'text' | 'action'): Promise<void>;
  join(name: string | undefined): Promise<boolean>;
  query(user: string | undefined): Promise<boolean>;
  msg(user: string | undefined, text: string): Promise<void>;
  leave(name: string | undefined): Promise<void>;
  /** `/ignore NAME` (`on`) or `/unignore NAME`. */
  ignore(name: string | undefined, on: boolean): void;
  /** Users whose messages and DMs are hidden. */
  readonly ignoring: { readonly list: string[]; has(user: string): boolean };
  window(arg: string | undefined): void;
  clearScreen(): void;
  showHelp(open: boolean): void;
  quit(): void;
}

/** What follows a command's name on the line. */
export interface CommandArgs {
  /** The words after the name, split on white space. */
  words: readonly string[];
  /** The whole line, trimmed (for a command that keeps its text's spacing, like `/msg`). */
  line: string;
}

/**
 * One slash command: its name, how `/help` shows it, and what it does. The parser, `/help`,
 * Tab completion and the dispatcher all read the one list in `registry.ts`.
 */
export interface SlashCommand {
  /** Without the slash, lower case. */
  name: string;
  aliases: readonly string[];
  /** As `/help` shows it: `/join <room>`. */
  usage: string;
  /**
   * The most words it takes: more are refused with its usage, nothing run (`/join bad room!`
   * would join `#bad`). Unset: it reads the rest of the line its own way.
   */
  maxWords?: number;
  help: string;
  /**
   * For a command that sends a message to the room it is entered in (`/me`): that message's
   * text (for the length checks, and to show it while it waits its turn), and its kind.
   */
  message?: (args: CommandArgs) => string;
  messageKind?: 'text' | 'action';
  run(host: CommandHost, args: CommandArgs): void | Promise<void>;
}
