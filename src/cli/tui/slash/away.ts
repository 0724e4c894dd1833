import { AWAY_MESSAGE_MAX } from '../../../protocol/index.js';
import { textAfterName } from './text-after.js';
import type { SlashCommand } from './types.js';

/** `/away [message]`: marked away (in `/who`, and to whoever writes to you); alone: back. */
export const away: SlashCommand = {
  name: 'away',
  aliases: [],
  usage: '/away [message]',
  help: 'mark yourself away (shown in /who and to who DMs you); alone: back',
  run(host, { line }) {
    const text = textAfterName(line).trim();
    if (text.length > AWAY_MESSAGE_MAX)
      return host.info(`an away message holds at most ${AWAY_MESSAGE_MAX} characters`, 'error');
    return host.away(text || undefined);
  },
};

/** `/back`: no longer away. */
export const back: SlashCommand = {
  name: 'back',
  aliases: [],
  usage: '/back',
  help: 'no longer away',
  run: (host) => host.away(undefined),
};
