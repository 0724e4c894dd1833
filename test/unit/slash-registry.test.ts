import { describe, expect, it } from 'vitest';
import { COMMAND_HELP } from '../../src/cli/tui/state/help-lines.js';
import { messageLength, splitLine } from '../../src/cli/tui/state/split-message.js';
import { COMMANDS, parseInput } from '../../src/cli/tui/slash/registry.js';

describe('the slash command registry', () => {
  it('finds every command by its name and each alias, in any case', () => {
    for (const c of COMMANDS) {
      for (const name of [c.name, ...c.aliases, c.name.toUpperCase()]) {
        const input = parseInput(`/${name} x`);
        expect(input.type === 'command' && input.command).toBe(c);
      }
    }
  });

  it('gives no two commands the same name or alias', () => {
    const names = COMMANDS.flatMap((c) => [c.name, ...c.aliases]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('lists each command in /help with its usage, which starts with its name', () => {
    expect(COMMAND_HELP.map(([usage]) => usage)).toEqual(COMMANDS.map((c) => c.usage));
    for (const c of COMMANDS) expect(c.usage.split(' ')[0]).toBe(`/${c.name}`);
  });

  it('reads messages, escaped slashes, unknown commands and blank lines', () => {
    expect(parseInput('  hello  ')).toEqual({ type: 'message', text: '  hello' });
    expect(parseInput('//etc/hosts')).toEqual({ type: 'message', text: '/etc/hosts' });
    expect(parseInput('/frobnicate now')).toEqual({ type: 'unknown', name: 'frobnicate' });
    expect(parseInput('   ')).toEqual({ type: 'empty' });
  });

  it('passes a command its words and the whole line', () => {
    const input = parseInput('/msg bob  two  spaces ');
    expect(input.type === 'command' && input.args).toEqual({
      words: ['bob', 'two', 'spaces'],
      line: '/msg bob  two  spaces',
    });
  });

  it('counts and splits the message a command sends (/me), not other commands', () => {
    expect(messageLength('/me waves')).toBe('waves'.length);
    expect(messageLength('/join lobby')).toBe(0);
    expect(splitLine(`/me ${'a'.repeat(15)}`, 10)).toEqual([`/me ${'a'.repeat(10)}`, '/me aaaaa']);
    expect(splitLine(`/join ${'a'.repeat(15)}`, 10)).toBeUndefined();
  });
});
