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
const notes = `
## Reading the figures

- Reconnect times run from the moment a client noticed the loss to its next welcome, and
  include the jittered backoff (first retry within 300 ms, drains spread over
  \`CHAT_DRAIN_SPREAD_MS\`). In the storm (15) one test process drives all 2000 clients, so
  its own event loop is part of the figure.
- The slow-consumer cap (7) is checked once a second, so a socket may overshoot the cap by a
  second's worth of packets before it is cut; memory stays bounded by that.
- Scenario 6 keeps Redis away for 20 s: after \`CHAT_REDIS_LOST_MOVE_MS\` (5 s) instances tell
  their clients to move; the handshakes then fail with \`unavailable\` until Redis is back,
  so reconnect times there are about the outage itself.
- Redis Cluster (21, 22): what asynchronous replication can lose is exactly the appends a
  master acknowledged but had not yet streamed to its replica when it died. The promoted
  replica's history then ends before them: senders were told "stored" (\`ackedLost\`), and
  clients that had already received them hold messages the history no longer has
  (\`phantom\`). On loopback the replication lag is far below a millisecond, so a run rarely
  catches one (0 here); on a real network the window is the replication lag. Everything the
  promoted replica does have reaches every client once, in order (\`lost\`, \`duplicated\`,
  \`misordered\`). Sends to the failed shard fail fast until the promotion (\`failedSends\`,
  retried with the same id), which is why \`ackP99Ms\` there is about the failover time.
- \`CHAT_APPEND_WAIT_REPLICAS=1\` closes that window (an ack then means the replica has the
  write) for about a millisecond per send here (22). Two costs to know: WAIT blocks the
  connection it runs on until the replica answers, and while a master has no replica (after a
  failover, until the old master rejoins as a replica) every append waits the whole
  \`CHAT_APPEND_WAIT_TIMEOUT_MS\` and is counted in \`chat_append_unreplicated_total\`. Keep that
  timeout small (default 20 ms): with 500 ms, a trial run's sends to the orphaned shard backed
  up for most of a minute.
- Fixes this suite forced are listed in the commit history (slow-consumer cut-off, moving
  clients off an instance cut off from Redis, a status that answers without Redis, 413 for
  oversized login bodies, a clear exit for bad settings, presence announcements that scale,
  bounded WAIT pipelines during a failover, a kick notice ordered before its disconnect).
`;
writeFileSync('RELIABILITY.md', `${head}${body}\n${notes}`);
console.log(`RELIABILITY.md: ${rows.length} scenarios`);
