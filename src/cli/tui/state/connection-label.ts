import type { ConnectionState } from '../../../client/chat-client.js';
import { loginAgainHelps } from '../../../client/types.js';
import { sanitizeInline } from '../../sanitize.js';

export interface ConnectionLabel {
  /** The state, short enough for the header's first line at any width. */
  text: string;
  tone: 'ok' | 'busy' | 'bad';
  /** Why, when the connection is not up (the status line shows it in full). */
  why?: string;
}

/** What the header says about the connection; `since` is when the state began. */
export function connectionLabel(
  state: ConnectionState,
  since: number,
  now: number,
): ConnectionLabel {
  switch (state.kind) {
    case 'connecting':
      return {
        text: 'connecting',
        tone: 'busy',
        why: `connecting to ${sanitizeInline(state.server, 80)}`,
      };
    case 'connected':
      return { text: 'connected', tone: 'ok' };
    case 'reconnecting': {
      const left = Math.max(0, state.inMs - (now - since));
      // Once its delay has run out the attempt is under way: it may wait up to 5 s for the
      // server's host and 20 s for the server (Reconnects.tcpTimeoutMs).
      const when =
        left >= 950 ? `in ${Math.round(left / 1000)} s` : left > 0 ? 'in <1 s' : 'under way';
      return {
        text: `reconnecting, attempt ${state.attempt} ${when}`,
        tone: 'busy',
        why: sanitizeInline(state.reason, 120),
      };
    }
    case 'ended':
      return {
        text: 'disconnected',
        tone: 'bad',
        why:
          sanitizeInline(state.message, 120) +
          (loginAgainHelps(state.reason) ? ' (run chat-tui login)' : ''),
      };
  }
}
