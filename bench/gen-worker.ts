/** A bench generator process: many Socket.IO client connections, driven over IPC. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { encode, newHistogram, recordMs, type Histogram } from '../src/admin/loadtest/histogram.js';
import type { GenCommand, GenDone } from './gen-messages.js';
import { open, type BenchConn, type Kind } from './protocols.js';
import { takeSendFailures } from './send-failures.js';

const now = (): number => performance.timeOrigin + performance.now();
/** This process's event-loop delay since the last `stats` (a stalled generator reads late). */
const lag = monitorEventLoopDelay({ resolution: 20 });
lag.enable();
type Conn = { conn: BenchConn; room: string };
/** Connections by the server they talk to: both servers' clients may be open at once. */
const byKind: Record<Kind, Conn[]> = { ours: [], plain: [] };
/** Connections that dropped after connecting (the bench never reconnects them), by reason. */
const drops: Record<string, number> = {};
/** What a receipt is measured against; swapped per step. */
let onReceipt: (sentAt: number, tag: string) => void = () => undefined;

function parse(text: string): { tag: string; sentAt: number } | undefined {
  const [tag, t] = text.split(' ');
  const sentAt = Number(t);
  return tag && Number.isFinite(sentAt) ? { tag, sentAt } : undefined;
}

/** Backoff before try n + 1 of a connection: 0.5 s, 1 s, 2 s, ... up to 8 s, with jitter. */
const backoffMs = (n: number): number => Math.min(8000, 500 * 2 ** (n - 1)) * (0.5 + Math.random());

async function connect(c: Extract<GenCommand, { type: 'connect' }>): Promise<Partial<GenDone>> {
  let next = 0;
  let failed = 0;
  let retried = 0;
  const tries = c.tries ?? 1;
  const errors: Record<string, number> = {};
  const fresh: { conn: BenchConn; room: string }[] = [];
  let lastProgress = performance.now();
  const stalled = (): boolean =>
    c.stallMs !== undefined && performance.now() - lastProgress > c.stallMs;
  const lane = async (): Promise<void> => {
    while (next < c.clients.length && !stalled()) {
      const i = next++;
      const spec = c.clients[i]!;
      for (let n = 1; ; n++) {
        try {
          const conn = await open(
            c.kind,
            spec.url ?? c.urls[i % c.urls.length]!,
            spec.token,
            c.localAddress,
            c.client,
          );
          conn.onDrop((reason) => void (drops[reason] = (drops[reason] ?? 0) + 1));
          conn.onText((text) => {
            const p = parse(text);
            if (p) onReceipt(p.sentAt, p.tag);
          });
          fresh.push({ conn, room: spec.room });
          lastProgress = performance.now();
          break;
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          errors[why] = (errors[why] ?? 0) + 1;
          if (n >= tries || stalled()) {
            failed++;
            break;
          }
          retried++;
          await new Promise((r) => setTimeout(r, backoffMs(n)));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, lane));
  byKind[c.kind] = byKind[c.kind].concat(fresh);
  return { connected: fresh.length, failed, retried, errors, skipped: c.clients.length - next };
}

async function send(c: Extract<GenCommand, { type: 'send' }>): Promise<Partial<GenDone>> {
  const conns = byKind[c.kind];
  const hist = newHistogram();
  // What failed before this step is not this step's.
  takeSendFailures();
  await new Promise((r) => setTimeout(r, Math.max(0, c.at - now())));
  const start = c.at;
  const measureFrom = start + c.warmupMs;
  const end = start + c.ms;
  let received = 0;
  let sent = 0;
  onReceipt = (sentAt) => {
    if (sentAt < measureFrom || sentAt > end) return;
    received++;
    recordMs(hist, now() - sentAt);
  };
  let budget = 0;
  let last = now();
  let k = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const t = now();
      if (t >= end) {
        clearInterval(timer);
        resolve();
        return;
      }
      budget += ((t - last) / 1000) * c.rate;
      last = t;
      while (budget >= 1 && conns.length > 0) {
        const at = now();
        // Past the window's end: a message sent now is not one whose receipts are counted.
        if (at > end) break;
        budget--;
        const { conn, room } = conns[k++ % conns.length]!;
        conn.send(room, `f ${at.toFixed(3)}`);
        if (at >= measureFrom) sent++;
      }
    }, 10);
  });
  await new Promise((r) => setTimeout(r, c.settleMs));
  onReceipt = () => undefined;
  const sendFailures = takeSendFailures();
  return { sent, received, hist: encode(hist), ...(sendFailures ? { sendFailures } : {}) };
}

async function broadcast(c: Extract<GenCommand, { type: 'broadcast' }>): Promise<Partial<GenDone>> {
  const conns = byKind[c.kind];
  const hist: Histogram = newHistogram();
  let received = 0;
  // Owed to every connection still open when the broadcast starts (drops are counted apart).
  const expected = conns.filter((x) => x.conn.connected).length;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, c.timeoutMs);
    onReceipt = (sentAt, tag) => {
      if (tag !== c.tag) return;
      received++;
      recordMs(hist, now() - sentAt);
      if (received >= expected) {
        clearTimeout(timer);
        resolve();
      }
    };
    if (c.sender && conns[0]) conns[0].conn.send(conns[0].room, `${c.tag} ${now().toFixed(3)}`);
  });
  onReceipt = () => undefined;
  return { received, expected, hist: encode(hist) };
}

/** A join's ack not back in this time counts as an attempt that failed. */
const JOIN_ACK_MS = 20_000;

/**
 * Joins every open connection to its room, 100 at a time, each tried up to 3 times (an
 * attempt ends at its ack or after JOIN_ACK_MS). Returns how many never joined, and why.
 */
async function joinAll(
  list: Conn[],
): Promise<{ joinFailed: number; errors: Record<string, number> }> {
  let next = 0;
  let joinFailed = 0;
  const errors: Record<string, number> = {};
  const attempt = (conn: BenchConn, room: string): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      conn.join(room),
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error('join not answered in 20 s')), JOIN_ACK_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  };
  const lane = async (): Promise<void> => {
    while (next < list.length) {
      const { conn, room } = list[next++]!;
      if (!conn.connected) continue; // a drop, counted as such
      for (let n = 1; ; n++) {
        try {
          await attempt(conn, room);
          break;
        } catch (err) {
          if (n >= 3) {
            joinFailed++;
            const why = err instanceof Error ? err.message : String(err);
            errors[why] = (errors[why] ?? 0) + 1;
            break;
          }
          await new Promise((r) => setTimeout(r, 200 * n));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 100 }, lane));
  return { joinFailed, errors };
}

async function handle(cmd: GenCommand): Promise<Partial<GenDone>> {
  switch (cmd.type) {
    case 'connect':
      return connect(cmd);
    case 'join':
      return Promise.race([
        joinAll(byKind[cmd.kind]),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`joins did not finish in ${cmd.timeoutMs} ms`)),
            cmd.timeoutMs,
          ).unref(),
        ),
      ]);
    case 'send':
      return send(cmd);
    case 'broadcast':
      return broadcast(cmd);
    case 'close':
      for (const { conn } of byKind[cmd.kind]) conn.close();
      byKind[cmd.kind] = [];
      return {};
    case 'stats': {
      const lagMaxMs = Math.round(lag.max / 1e6);
      lag.reset();
      return { connected: byKind[cmd.kind].filter((c) => c.conn.connected).length, lagMaxMs };
    }
  }
}

process.on('message', (raw) => {
  const cmd = raw as GenCommand;
  handle(cmd).then(
    (res) => process.send?.({ ...res, drops, id: cmd.id, type: 'done' } satisfies GenDone),
    (err: unknown) =>
      process.send?.({ id: cmd.id, type: 'done', error: String(err) } satisfies GenDone),
  );
});
process.on('disconnect', () => process.exit(0));
