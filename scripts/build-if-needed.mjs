// Builds dist/ when it is missing or older than any source file (used by `npm start`).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const stamp = 'dist/server/main.js';
if (!existsSync(stamp) || statSync(stamp).mtimeMs < newest('src')) {
  process.stderr.write('building chat-tui ...\n');
  execSync('npm run build --silent', { stdio: 'inherit' });
}
