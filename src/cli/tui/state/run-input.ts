import { sanitizeInline } from '../../sanitize.js';
import { KEY_HELP } from '../keys.js';
import type { ChatStore } from './chat-store.js';
import { COMMAND_HELP, parseInput } from './slash-commands.js';

/** Runs a line the user entered: a message to the active room, or a slash command. */
export async function runInput(store: ChatStore, line: string): Promise<void> {
  const cmd = parseInput(line);
  switch (cmd.type) {
    case 'empty':
      return;
    case 'message':
      return store.say(cmd.text, 'text');
    case 'me':
      if (cmd.text.trim() === '') return store.info('usage: /me <action>', 'error');
      return store.say(cmd.text, 'action');
    case 'join':
      return store.join(cmd.room);
    case 'leave':
      return store.leave(cmd.room);
    case 'rooms':
      return listRooms(store);
    case 'window':
      return store.window(cmd.arg);
    case 'who':
      return who(store);
    case 'clear':
      return store.clearScreen();
    case 'help':
      return help(store);
    case 'quit':
      return store.quit();
    case 'unknown':
      return store.info(
        `unknown command /${sanitizeInline(cmd.name, 24)}: /help lists the commands (start with // to send a line beginning with /)`,
        'error',
      );
  }
}

async function listRooms(store: ChatStore): Promise<void> {
  try {
    const rooms = await store.client.listRooms();
    if (rooms.length === 0) return store.info('no rooms yet: /join <room> creates one');
    store.info(`${rooms.length} room${rooms.length === 1 ? '' : 's'}:`);
    for (const r of rooms.slice(0, 30)) {
      const joined = store.joined.includes(r.name) ? ' (joined)' : '';
      store.info(
        `  #${sanitizeInline(r.name, 32)}${joined}: ${r.memberCount} online, ${r.messages} messages`,
      );
    }
  } catch (err) {
    store.info(`cannot list rooms: ${sanitizeInline((err as Error).message, 120)}`, 'error');
  }
}

function who(store: ChatStore): void {
  const room = store.activeRoom;
  if (!room) return store.info('you are in no room', 'error');
  const state = store.client.rooms.get(room);
  const members = [...(state?.members ?? [])].sort();
  const count = Math.max(state?.memberCount ?? 0, members.length);
  const more = count > members.length ? `, and ${count - members.length} more` : '';
  store.info(
    `${count} in #${room}: ${members.map((m) => sanitizeInline(m, 32)).join(', ')}${more}`,
  );
}

function help(store: ChatStore): void {
  store.info('commands:');
  for (const [c, what] of COMMAND_HELP) store.info(`  ${c.padEnd(16)} ${what}`);
  store.info('keys:');
  for (const [k, what] of KEY_HELP) store.info(`  ${k.padEnd(16)} ${what}`);
}
