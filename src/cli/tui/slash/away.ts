import { AWAY_MESSAGE_MAX } from '../../../protocol/index.js';
import { sanitizeInline } from '../../sanitize.js';
import { textAfterName } from './text-after.js';
import type { CommandHost, SlashCommand } from './types.js';

/** Away with `message` on the server, or back (undefined): says which, or why not. */
async function setAway(host: CommandHost, message: string | undefined): Promise<void> {
  try {
    const state = await host.client.setAway(message);
    if (state) host.info(`you are away: ${sanitizeInline(state.message, 200)} (/back to clear)`);
    else host.info('you are back: no longer marked away');
  } catch (err) {
    host.info(`cannot set away: ${sanitizeInline((err as Error).message, 120)}`, 'error');
  }
}

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
    return setAway(host, text || undefined);
  },
};

/** `/back`: no longer away. */
export const back: SlashCommand = {
  name: 'back',
  maxWords: 0,
  aliases: [],
  usage: '/back',
  help: 'no longer away',
  run: (host) => setAway(host, undefined),
};
