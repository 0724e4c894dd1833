import { sanitizeInline } from '../../sanitize.js';
import type { ChatStore } from './chat-store.js';
import { clock } from './entries.js';
import { roomLabel } from './room-label.js';
import { parseInput } from './slash-commands.js';

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
      return void (await store.join(cmd.room));
    case 'query':
      return void (await store.query(cmd.user));
    case 'msg':
      return store.msg(cmd.user, cmd.text);
    case 'mentions':
      return listMentions(store);
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
      // An overlay over the pane (see HelpOverlay), not lines in the room's history.
      return store.showHelp(true);
    case 'quit':
      return store.quit();
    case 'unknown':
      return store.info(
        `unknown command /${sanitizeInline(cmd.name, 24)}: /help lists the commands (start with // to send a line beginning with /)`,
        'error',
      );
  }
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `/rooms`: the rooms and direct conversations open here, with unread counts, then the server's list. */
async function listRooms(store: ChatStore): Promise<void> {
  const joined = store.joined;
  if (joined.length > 0) {
    store.info(`joined (${joined.length}):`);
    joined.forEach((name, i) => {
      const unread = name === store.activeRoom ? 0 : (store.client.rooms.get(name)?.unread ?? 0);
      const note = name === store.activeRoom ? ' (here)' : unread > 0 ? `: ${unread} unread` : '';
      store.info(`  ${i + 1}:${roomLabel(name)}${note}`);
    });
  }
  try {
    const rooms = await store.client.listRooms();
    if (rooms.length === 0)
      return store.info('no rooms on the server yet: /join <room> creates one');
    store.info(`on the server (${plural(rooms.length, 'room')}, most recently active first):`);
    for (const r of rooms.slice(0, 30)) {
      const mark = joined.includes(r.name) ? ' (joined)' : '';
      store.info(
        `  #${sanitizeInline(r.name, 32)}${mark}: ${r.memberCount} online, ${plural(r.messages, 'message')}`,
      );
    }
    if (rooms.length > 30) store.info(`  and ${rooms.length - 30} more`);
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
    `${count} in ${roomLabel(room)}: ${members.map((m) => sanitizeInline(m, 32)).join(', ')}${more}`,
  );
}

/** `/mentions`: what named the user lately, in every room, newest last. */
function listMentions(store: ChatStore): void {
  const list = store.recentMentions;
  if (list.length === 0) return store.info('no one has mentioned you yet');
  store.info(`mentions (the last ${plural(list.length, 'message')}, newest last):`);
  for (const r of list) {
    const where = r.room === undefined ? '[broadcast]' : roomLabel(r.room);
    const text = sanitizeInline(r.text.replace(/\r?\n/g, ' / '), 160);
    store.info(`  ${clock(r.ts)} ${where} ${sanitizeInline(r.from, 32)}: ${text}`);
  }
}
