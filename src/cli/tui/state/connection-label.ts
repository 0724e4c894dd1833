import type { ConnectionState } from '../../../client/chat-client.js';
import { sanitizeInline } from '../../sanitize.js';

export interface ConnectionLabel {
  text: string;
  tone: 'ok' | 'busy' | 'bad';
}

/** What the header says about the connection; `since` is when the state began. */
export function connectionLabel(
  state: ConnectionState,
  since: number,
  now: number,
): ConnectionLabel {
  switch (state.kind) {
    case 'connecting':
      return { text: `connecting to ${sanitizeInline(state.server, 80)}`, tone: 'busy' };
    case 'connected':
      return { text: 'connected', tone: 'ok' };
    case 'reconnecting': {
      const left = Math.max(0, state.inMs - (now - since));
      const when = left >= 950 ? `${Math.round(left / 1000)} s` : left > 0 ? '<1 s' : 'now';
      return {
        text: `reconnecting, attempt ${state.attempt} in ${when} (${sanitizeInline(state.reason, 60)})`,
        tone: 'busy',
      };
    }
    case 'ended':
      return {
        text:
          `disconnected: ${sanitizeInline(state.message, 80)}` +
          (state.reason === 'unauthorized' ? ' (run chat-tui login)' : ''),
        tone: 'bad',
      };
  }
}
