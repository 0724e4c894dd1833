import { textAfterName } from './text-after.js';
import type { SlashCommand } from './types.js';

/** `/search` and `/jump`: find messages in the room's kept history on the server, show one. */
export const search: SlashCommand = {
  name: 'search',
  aliases: [],
  usage: '/search <text>',
  help: "search this room's kept history; alone: older hits (Ctrl-R)",
  run: (host, { line }) => host.tools.search(textAfterName(line)),
};

export const jump: SlashCommand = {
  name: 'jump',
  maxWords: 1,
  aliases: [],
  usage: '/jump <N>',
  help: 'show search hit N, with the history around it',
  run: (host, { words }) => host.tools.jump(words[0]),
};
