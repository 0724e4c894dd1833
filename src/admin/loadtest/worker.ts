/**
 * A load-test worker process (forked by the runner): it runs its share of the virtual users
 * and reports to the runner over IPC. One process is one core and at most ~19,900 sockets.
 */
import { encode, newHistogram } from './histogram.js';
import type {
  FromWorker,
  Progress,
  SentRef,
  ToWorker,
  WorkerPlan,
  WorkerResult,
} from './messages.js';
import { serversOf } from './servers.js';
import { VirtualUser, type VuSink } from './vu.js';

const TICK_MS = 50;
const PROGRESS_MS = 1000;
/** How often every socket's liveness (connect timeout, server pings) is checked. */
const CHECK_MS = 1000;

function tell(msg: FromWorker): void {
  process.send?.(msg);
}

const sink: VuSink = {
  latency: newHistogram(),
  connect: newHistogram(),
  resume: newHistogram(),
  lostFrom: new Map(),
  lostWhy: new Map(),
  retries: new Map(),
  sent: new Map(),
  counts: { sent: 0, sendFailed: 0, delivered: 0, duplicated: 0 },
  errors: new Map(),
};
let vus: VirtualUser[] = [];
const timers: NodeJS.Timeout[] = [];
let sendTimer: NodeJS.Timeout | undefined;

function start(plan: WorkerPlan): void {
  vus = plan.vus.map((spec) => new VirtualUser(spec, serversOf(plan.servers, spec.index), sink));
  for (const vu of vus) {
    const at = plan.t0 + (vu.spec.index / plan.clients) * plan.rampMs;
    const t = setTimeout(() => void vu.start(plan.connectTimeoutMs), Math.max(0, at - Date.now()));
    timers.push(t);
  }
  // One ticker sends for all users: the worker's share of the rate, spread over the users
  // that are in their room (round robin), so the aggregate rate holds as users come and go.
  let budget = 0;
  let next = 0;
  let last = performance.now();
  sendTimer = setInterval(() => {
    const now = performance.now();
    let ready = 0;
    for (const v of vus) if (v.joined && v.connected) ready++;
    budget += ((now - last) / 1000) * plan.rate * (ready / Math.max(1, vus.length));
    last = now;
    for (let tries = 0; budget >= 1 && tries < vus.length; tries++) {
      const vu = vus[next++ % vus.length]!;
      if (vu.send()) budget--;
    }
    // Never a burst of more than a second's worth; a share under one message a second saves
    // up to one message (capped at the share itself, it never reached one and nothing went).
    budget = Math.min(budget, Math.max(1, plan.rate));
  }, TICK_MS);
  const progress = setInterval(() => {
    tell({ type: 'progress', progress: snapshot() });
  }, PROGRESS_MS);
  timers.push(progress);
  // One timer for every user's socket checks, not one (or three) per socket. The checks run
  // in the loop's check phase (setImmediate), after the poll phase has read what arrived: a
  // timer alone runs first after a stall (a GC pause, a starved CPU) and would call a socket
  // dead whose ping sat unread in its buffer all along.
  timers.push(
    setInterval(
      () =>
        void setImmediate(() => {
          const now = Date.now();
          for (const vu of vus) vu.check(now);
        }),
      CHECK_MS,
    ),
  );
}

function snapshot(): Progress {
  return {
    connected: vus.filter((v) => v.connected).length,
    failed: vus.filter((v) => v.failed).length,
    sent: sink.counts.sent,
    delivered: sink.counts.delivered,
    latency: encode(sink.latency),
    dropped: vus.filter((v) => v.dropped).length,
    away: vus.filter((v) => v.away).length,
  };
}

/** Stops sending; waits (bounded) for outstanding acknowledgements; reports what was sent. */
async function stop(): Promise<void> {
  clearInterval(sendTimer);
  const deadline = Date.now() + 10_000;
  while (vus.some((v) => v.unacked > 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  tell({ type: 'sent', sent: Object.fromEntries(sink.sent) });
}

/** Waits (bounded) until every user has every message owed to it, then tallies. */
async function verify(sent: Record<string, SentRef[]>, drainMs: number): Promise<void> {
  const deadline = Date.now() + drainMs;
  // What a user lacks only shrinks (the list is final, what it saw only grows): each pass
  // checks just the users that still lacked something at the last one.
  const lacking = (list: VirtualUser[]): VirtualUser[] =>
    list.filter((v) => v.missing(sent[v.spec.room] ?? []) > 0);
  let owed = lacking(vus);
  while (owed.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    owed = lacking(owed);
  }
  const result: WorkerResult = {
    requested: vus.length,
    connected: vus.filter((v) => v.joined).length,
    failed: vus.filter((v) => v.failed).length,
    errors: Object.fromEntries(sink.errors),
    connectMs: encode(sink.connect),
    latencyMs: encode(sink.latency),
    sent: sink.counts.sent,
    sendFailed: sink.counts.sendFailed,
    expected: 0,
    delivered: 0,
    lost: 0,
    duplicated: sink.counts.duplicated,
    reconnects: 0,
    instances: {},
    resumeMs: encode(sink.resume),
    dropped: 0,
    back: 0,
    lostFrom: Object.fromEntries(sink.lostFrom),
    lostWhy: Object.fromEntries(sink.lostWhy),
    retries: Object.fromEntries(sink.retries),
  };
  for (const vu of vus) {
    const t = vu.tally(sent[vu.spec.room] ?? []);
    result.expected += t.expected;
    result.delivered += t.delivered;
    result.lost += t.lost;
    result.reconnects += vu.reconnects;
    if (vu.dropped) {
      result.dropped++;
      if (!vu.away) result.back++;
    }
    result.sendFailed += vu.unacked;
    const id = vu.connected ? vu.instanceId : undefined;
    if (id) result.instances[id] = (result.instances[id] ?? 0) + 1;
  }
  const stuck = vus.filter((v) => !v.joined && !v.failed).length;
  if (stuck > 0) result.errors['still connecting at the end'] = stuck;
  const unacked = vus.reduce((n, v) => n + v.unacked, 0);
  if (unacked > 0) result.errors['send never acknowledged'] = unacked;
  tell({ type: 'result', result });
}

function close(): void {
  for (const t of timers) clearTimeout(t);
  clearInterval(sendTimer);
  for (const vu of vus) vu.close();
  // Give the close frames a moment to leave, then go.
  setTimeout(() => process.exit(0), 200).unref();
}

process.on('message', (raw) => {
  const msg = raw as ToWorker;
  const fail = (err: unknown): void =>
    tell({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  switch (msg.type) {
    case 'start':
      try {
        start(msg.plan);
      } catch (err) {
        fail(err);
      }
      break;
    case 'stop':
      stop().catch(fail);
      break;
    case 'verify':
      verify(msg.sent, msg.drainMs).catch(fail);
      break;
    case 'close':
      close();
      break;
  }
});
// The runner going away (killed, Ctrl-C) ends the worker too.
process.on('disconnect', () => process.exit(0));
// A terminal's Ctrl-C reaches the whole process group: the runner decides, and closes us.
process.on('SIGINT', () => undefined);
tell({ type: 'ready' });
