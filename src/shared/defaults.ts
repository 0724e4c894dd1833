/**
 * The server both clients (chat-tui and chat-admin) talk to when told nothing else. An IPv4
 * literal, not `localhost`: Node resolves `localhost` to ::1 first on many systems, where
 * an instance listening on 0.0.0.0 is not.
 */
export const DEFAULT_SERVER = 'http://127.0.0.1:3000';
