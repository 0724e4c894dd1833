import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER as ADMIN_DEFAULT } from '../../src/admin/settings.js';
import { DEFAULT_SERVER as CLI_DEFAULT } from '../../src/cli/settings.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every module a file under `dir` imports, resolved to a path under src/. */
function importsUnder(dir: string): { file: string; target: string }[] {
  const out: { file: string; target: string }[] = [];
  for (const entry of readdirSync(path.join(SRC, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bfrom\s+'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      out.push({
        file: path.relative(SRC, file),
        target: path.relative(SRC, path.resolve(path.dirname(file), spec)),
      });
    }
  }
  return out;
}

describe('module boundaries', () => {
  it('the admin console reaches the server only through the wire protocol', () => {
    const found = importsUnder('admin').filter((i) => i.target.startsWith(`server${path.sep}`));
    expect(found).toEqual([]);
  });

  it('the shared module imports none of the programs', () => {
    const found = importsUnder('shared').filter((i) => !i.target.startsWith(`shared${path.sep}`));
    expect(found).toEqual([]);
  });

  it('the delivery core imports only the protocol: no socket, no React, no Ink', () => {
    const core = `client${path.sep}delivery${path.sep}`;
    const found = importsUnder('client/delivery').filter(
      (i) => !i.target.startsWith(core) && !i.target.startsWith(`protocol${path.sep}`),
    );
    expect(found).toEqual([]);
    const text = readdirSync(path.join(SRC, 'client/delivery'))
      .map((f) => readFileSync(path.join(SRC, 'client/delivery', f), 'utf8'))
      .join('\n');
    expect(text).not.toMatch(/from '(?:socket\.io-client|react|ink|ws)'/);
  });

  it('the load tester takes from the TUI client only its delivery core', () => {
    const found = importsUnder('admin/loadtest').filter(
      (i) =>
        i.target.startsWith(`client${path.sep}`) &&
        !i.target.startsWith(`client${path.sep}delivery${path.sep}`),
    );
    expect(found).toEqual([]);
  });

  it('chat-tui and chat-admin default to the same server', () => {
    expect(CLI_DEFAULT).toBe(ADMIN_DEFAULT);
    expect(new URL(CLI_DEFAULT).hostname).toBe('127.0.0.1');
  });
});
