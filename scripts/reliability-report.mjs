// Renders RELIABILITY.md from the figures the chaos suite recorded in test/chaos/.results/.
// Run the suite first: `npm run test:chaos`, then `npm run reliability-report`.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = 'test/chaos/.results';
const rows = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')))
  .sort((a, b) => a.id - b.id);

const cell = (s) => String(s).replaceAll('|', '\\|').replaceAll('\n', ' ');
const figures = (f) =>
  Object.entries(f)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');

const head = `# Reliability

What the chaos suite (\`test/chaos/\`) measured on its last recorded run: real \`redis-server\`
processes, real \`chat-server\` instance processes and real clients (\`src/client\`), all on
loopback. Every scenario that carries chat checks the invariant: for every room, every
client's message ids equal the room's history in Redis over the test window, in order, with
no gaps and nothing shown twice (\`lost\`, \`duplicated\`, \`misordered\` below; \`redelivered\`
counts wire-level repeats the client dropped by id).

Run: ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, Node ${process.version}.
Reproduce everything with \`npm run test:chaos\` (then \`npm run reliability-report\` rewrites this
file), or one scenario with the command in its row.

| # | Scenario | Expected behaviour | Measured | Reproduce |
| --- | --- | --- | --- | --- |
`;
const body = rows
  .map(
    (r) =>
      `| ${r.id} | ${cell(r.scenario)} | ${cell(r.expected)} | ${cell(figures(r.figures))} | \`${cell(r.command)}\` |`,
  )
  .join('\n');
writeFileSync('RELIABILITY.md', `${head}${body}\n`);
console.log(`RELIABILITY.md: ${rows.length} scenarios`);
