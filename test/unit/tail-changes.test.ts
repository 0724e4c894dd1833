import { describe, expect, it } from 'vitest';
import { formatMessage, jsonMessage } from '../../src/cli/commands/tail.js';
import { chatMessage } from '../helpers/messages.js';

process.env.TZ = 'UTC';

describe('chat-tui tail of changed messages', () => {
  it('prints a message as it is when printed: edited, or deleted without its text', () => {
    const edited = { ...chatMessage(1), text: 'fixed', rev: '2000-0' };
    const deleted = { ...chatMessage(2), text: '', rev: '2001-0', deleted: true };
    expect(formatMessage(edited)).toMatch(/^\d\d:\d\d:\d\d u: fixed \(edited\)$/);
    expect(formatMessage(deleted)).toMatch(/^\d\d:\d\d:\d\d u: message deleted$/);
    expect(JSON.parse(jsonMessage(edited))).toMatchObject({ text: 'fixed', edited: true });
    expect(JSON.parse(jsonMessage(deleted))).toMatchObject({ text: '', deleted: true });
    expect(JSON.parse(jsonMessage(chatMessage(3)))).not.toHaveProperty('edited');
  });
});
