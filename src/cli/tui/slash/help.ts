import type { SlashCommand } from './types.js';

export const help: SlashCommand = {
  name: 'help',
  aliases: ['?'],
  usage: '/help',
  help: 'this help (Esc, q or Enter closes it)',
  // An overlay over the pane (see HelpOverlay), not lines in the room's history.
  run: (host) => host.showHelp(true),
};
