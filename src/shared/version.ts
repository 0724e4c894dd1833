import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-files.js';

/** The package version, read once from chat-tui's package.json. */
export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
