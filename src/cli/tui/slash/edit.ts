import { textAfterName } from './text-after.js';
import type { SlashCommand } from './types.js';

/** `/edit` and `/delete`: change the user's own last message in the room, for everyone. */
export const edit: SlashCommand = {
  name: 'edit',
  aliases: [],
  usage: '/edit [text]',
  help: 'replace your last message here; alone: change it in the line (Alt-E)',
  // The text keeps its spacing and line breaks: everything after the command's name.
  run: (host, { line }) => host.tools.edit(textAfterName(line)),
};

export const del: SlashCommand = {
  name: 'delete',
  maxWords: 0,
  aliases: [],
  usage: '/delete',
  help: 'delete your last message here, for everyone',
  run: (host) => host.tools.remove(),
};
