import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER as ADMIN_DEFAULT } from '../../src/admin/settings.js';
import { DEFAULT_SERVER as CLI_DEFAULT } from '../../src/cli/settings.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** The source file (relative to src/) that an import specifier without its extension names. */
function resolveSource(base: string): string {
  for (const candidate of [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate)) return path.relative(SRC, candidate);
  }
  throw new Error(`an import names ${path.relative(SRC, base)}, which is no source file`);
}

/**
 * Every circle of imports among `edges`: each strongly connected component of two or more
 * files (Tarjan), or a file importing itself, as its files sorted.
 */
function circles(edges: { file: string; target: string }[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { file, target } of edges) {
    next.set(file, [...(next.get(file) ?? []), target]);
    if (!next.has(target)) next.set(target, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || next.get(v)!.includes(v)) found.push(component.sort());
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Every module a file under `dir` imports, resolved to a path under src/. */
function importsUnder(dir: string): { file: string; target: string }[] {
  const out: { file: string; target: string }[] = [];
  for (const entry of readdirSync(path.join(SRC, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8');
    // `import … from`, `export … from` (type-only ones too: a circle of types is still a
    // circle of concepts), `import('…')` and bare `import '…'`.
    for (const m of text.matchAll(
      /\bfrom\s+'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)|^import\s+'(\.[^']+)'/gm,
    )) {
      const spec = (m[1] ?? m[2] ?? m[3]!).replace(/\.js$/, '');
      out.push({
        file: path.relative(SRC, file),
        target: resolveSource(path.resolve(path.dirname(file), spec)),
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

  it('no import circle anywhere in src/', () => {
    expect(circles(importsUnder('.'))).toEqual([]);
  });

  it('chat-tui and chat-admin reach the server only through the wire protocol', () => {
    const found = [...importsUnder('cli'), ...importsUnder('client')].filter((i) =>
      i.target.startsWith(`server${path.sep}`),
    );
    expect(found).toEqual([]);
  });

  it('finds a circle when there is one (the check itself can fail)', () => {
    const edges = [
      { file: 'a.ts', target: 'b.ts' },
      { file: 'b.ts', target: 'c.ts' },
      { file: 'c.ts', target: 'a.ts' },
      { file: 'c.ts', target: 'd.ts' },
      { file: 'e.ts', target: 'e.ts' },
    ];
    expect(circles(edges)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
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
