import type { ChatClient } from '../../../client/chat-client.js';

/**
 * What the TUI's state needs of a chat client. `ChatClient` is the implementation; view tests
 * drive the same store with a stand-in that fills rooms by hand.
 */
export type ChatPort = Pick<
  ChatClient,
  | 'rooms'
  | 'outgoing'
  | 'state'
  | 'welcome'
  | 'rttMs'
  | 'server'
  | 'on'
  | 'join'
  | 'leave'
  | 'send'
  | 'setTyping'
  | 'listRooms'
  | 'loadOlder'
  | 'edit'
  | 'remove'
  | 'search'
  | 'loadAround'
  | 'fillUnloaded'
  | 'fetchMarks'
  | 'markRead'
  | 'setAway'
  | 'fetchAway'
  | 'settled'
  | 'close'
>;
