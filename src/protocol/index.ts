/**
 * The wire contract shared by `chat-server`, `chat-tui` and `chat-admin`: events, payload
 * schemas, models, limits and error codes. It imports none of the programs.
 */
export * from './address.js';
export * from './away.js';
export * from './errors.js';
export * from './events.js';
export * from './http.js';
export * from './ids.js';
export * from './limits.js';
export * from './marks.js';
export * from './mentions.js';
export * from './models.js';
export * from './schemas.js';
export * from './server-payloads.js';
