/** A line the user typed, read as a chat message or a command. */
export type ParsedInput =
  | { type: 'message'; text: string }
  | { type: 'join'; room: string | undefined }
  | { type: 'msg'; user: string | undefined; text: string }
  | { type: 'query'; user: string | undefined }
  | { type: 'mentions' }
  | { type: 'leave'; room: string | undefined }
  | { type: 'rooms' }
  | { type: 'window'; arg: string | undefined }
  | { type: 'who' }
  | { type: 'me'; text: string }
  | { type: 'clear' }
  | { type: 'help' }
  | { type: 'quit' }
  | { type: 'unknown'; name: string }
  | { type: 'empty' };

/** One row of the help overlay: what to type or press, and what it does. */
export type HelpRow = readonly [keys: string, what: string];

/** The commands, as `/help` lists them (a new command adds its row here). */
export const COMMAND_HELP: readonly HelpRow[] = [
  ['/join <room>', 'join a room (created if new) and switch to it (@user: as /query)'],
  ['/msg <user> <text>', 'open the direct conversation with a user, switch to it, send'],
  ['/query <user>', 'open the direct conversation with a user (tab @user)'],
  ['/mentions', 'recent messages that named you, in every room'],
  ['/leave [room]', 'leave this room (or the one named); on @user: close it'],
  ['/rooms', 'the rooms and direct conversations open, then the server’s rooms'],
  ['/window <n>', 'switch to tab n (also Alt-1..9)'],
  ['/who', 'who is in this room'],
  ['/me <action>', 'say what you are doing (* you wave)'],
  ['/clear', 'clear this room’s screen'],
  ['/help', 'this help (Esc, q or Enter closes it)'],
  ['/quit', 'leave chat-tui (also Ctrl-C)'],
];

/** The keys, as `/help` lists them (bindings themselves are in keys.ts). */
export const KEY_HELP: readonly HelpRow[] = [
  ['Enter', 'send the line (or run a /command)'],
  ['Alt-Enter / Ctrl-J', 'a new line in the message (a pasted one keeps its lines)'],
  ['PgUp / PgDn', 'scroll the messages; End jumps back to the newest'],
  ['Ctrl-N / Ctrl-P', 'next / previous room'],
  ['Alt-1..9', 'room by its tab number'],
  ['Alt-A / Ctrl-X', 'next room with unread messages (those naming you first)'],
  ['Tab / Shift-Tab', 'complete a name, /command or /msg user; again: the next one'],
  ['Up / Down', 'recall earlier input; Down past the newest brings back the draft'],
  ['Left / Right', 'move in the line (Ctrl-A / Home: start, Ctrl-E: end)'],
  ['Ctrl-U / Ctrl-W', 'clear the line / delete a word'],
  ['Ctrl-C', 'quit'],
];

export function parseInput(line: string): ParsedInput {
  const text = line.trim();
  if (text === '') return { type: 'empty' };
  // `//text` sends `/text` as a message.
  if (text.startsWith('//')) return { type: 'message', text: text.slice(1) };
  if (!text.startsWith('/')) return { type: 'message', text: line.trimEnd() };
  const [head = '', ...rest] = text.slice(1).split(/\s+/);
  const arg = rest.join(' ');
  const name = head.toLowerCase();
  switch (name) {
    case 'join':
    case 'j':
      return { type: 'join', room: rest[0] };
    case 'msg': {
      // The text keeps its spacing: everything after the user name.
      const m = /^\S+\s+\S+\s(.*)$/s.exec(text);
      return { type: 'msg', user: rest[0], text: m?.[1] ?? '' };
    }
    case 'query':
      return { type: 'query', user: rest[0] };
    case 'mentions':
      return { type: 'mentions' };
    case 'leave':
    case 'part':
      return { type: 'leave', room: rest[0] };
    case 'rooms':
    case 'list':
      return { type: 'rooms' };
    case 'window':
    case 'win':
    case 'w':
      return { type: 'window', arg: rest[0] };
    case 'who':
    case 'names':
      return { type: 'who' };
    case 'me':
      return { type: 'me', text: arg };
    case 'clear':
      return { type: 'clear' };
    case 'help':
    case '?':
      return { type: 'help' };
    case 'quit':
    case 'exit':
    case 'q':
      return { type: 'quit' };
    default:
      return { type: 'unknown', name: head };
  }
}
