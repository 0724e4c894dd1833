/**
 * The inspector's CPU profiler and sampling heap profiler on a bench child process (a server
 * started with `--inspect=127.0.0.1:<port>`), and summaries of what they record: the probes'
 * shared tooling (connect-probe.ts, fanout-probe.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';

/** The inspector's CPU profiler on a child process (Chrome DevTools protocol over `ws`). */
export class Inspector {
  private ws!: WebSocket;
  private seq = 0;
  private readonly pending = new Map<number, (r: unknown) => void>();
  profile: Profile | undefined;
  heap: HeapProfile | undefined;

  static async attach(port: number): Promise<Inspector> {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const i = new Inspector();
    i.ws = new WebSocket(list[0]!.webSocketDebuggerUrl);
    await new Promise((r) => i.ws.once('open', r));
    i.ws.on('message', (raw) => {
      const m = JSON.parse((raw as Buffer).toString()) as { id?: number; result?: unknown };
      if (m.id !== undefined) i.pending.get(m.id)?.(m.result);
    });
    await i.call('Profiler.enable');
    await i.call('Profiler.setSamplingInterval', { interval: 200 });
    return i;
  }

  call(method: string, params: object = {}): Promise<unknown> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(): Promise<void> {
    await this.call('Profiler.start');
    // Every allocation sampled (one in 8 KiB), also what the GC has collected by the end:
    // what a connect allocates, whatever the machine's load.
    await this.call('HeapProfiler.startSampling', {
      samplingInterval: 8192,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }

  /** Stops both profilers; `detach` false keeps the session for another `start`. */
  async stop(detach = true): Promise<Profile> {
    const r = (await this.call('Profiler.stop')) as { profile: Profile };
    const h = (await this.call('HeapProfiler.stopSampling')) as { profile: HeapProfile };
    this.heap = h.profile;
    if (detach) this.ws.close();
    return r.profile;
  }
}

/** A profile frame as the summaries name it: `function file:line`, paths shortened. */
function frameName(f: { functionName: string; url: string; lineNumber: number }): string {
  const file = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/');
  return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}
export interface HeapProfile {
  head: HeapNode;
}

/** Bytes allocated by function (sampled) per `unit` of work (`count` of them), largest first. */
export function topAlloc(h: HeapProfile, count: number, n: number, unit = 'connect'): string[] {
  const self = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode): void => {
    const key = frameName(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const c of node.children) walk(c);
  };
  walk(h.head);
  return [`${(total / count).toFixed(0)} bytes allocated per ${unit} (sampled)`].concat(
    [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, b]) => `${(b / count).toFixed(0).padStart(8)} B  ${k}`),
  );
}

export interface Profile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Writes a recorded profile (or heap profile) as `<dir>/<name>-<time>.<ext>`, making the folder
 * if it is not there; returns the file's path.
 */
export function saveProfile(
  dir: string,
  name: string,
  data: unknown,
  ext: 'cpuprofile' | 'heapprofile' = 'cpuprofile',
): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${Date.now()}.${ext}`);
  writeFileSync(file, JSON.stringify(data));
  return file;
}

/** The `n` largest times (ms) of `byName`, each with its share of `total`. */
function ranked(byName: Map<string, number>, total: number, n: number): string[] {
  return [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, ms]) =>
        `${ms.toFixed(1).padStart(8)} ms ${((ms / total) * 100).toFixed(1).padStart(5)} %  ${k}`,
    );
}

/** Self time by function (ms), largest first. */
export function topSelf(p: Profile, n: number): string[] {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    total += dt;
    const key = frameName(byId.get(id)!.callFrame);
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return ranked(self, total, n);
}

/**
 * Total (inclusive) time by function (ms), largest first: what a call and everything it called
 * cost. A function on the stack twice in one sample (recursion) is counted once.
 */
export function topTotal(p: Profile, n: number): string[] {
  const parent = new Map<number, number>();
  for (const x of p.nodes as (Profile['nodes'][number] & { children?: number[] })[]) {
    for (const c of x.children ?? []) parent.set(c, x.id);
  }
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const keyOf = (id: number): string => frameName(byId.get(id)!.callFrame);
  const total = new Map<string, number>();
  let all = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    all += dt;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = keyOf(at);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + dt);
    }
  });
  return ranked(total, all, n);
}
