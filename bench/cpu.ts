/**
 * CPU accounting for the bench, from Linux /proc: the CPU time of given processes, of the
 * bench's whole process tree, and of the machine, so each measured point can say how much
 * CPU the servers used and whether something outside the bench was busy meanwhile.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** USER_HZ: clock ticks per second in /proc (100 on every Linux Node supports). */
const HZ = 100;

interface Stat {
  ppid: number;
  /** utime + stime, in ticks. */
  ticks: number;
  /** cutime + cstime: what its children that ended and were waited for used, in ticks. */
  childTicks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(f[1]),
      ticks: Number(f[11]) + Number(f[12]),
      childTicks: Number(f[13]) + Number(f[14]),
    };
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used so far (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  return (readStat(pid)?.ticks ?? 0) / HZ;
}

/** utime + stime of each thread of a process so far, by thread name (seconds). */
export function threadSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = tid === String(pid) ? 'main' : name;
      out.set(key, (out.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/**
 * The CPU each thread used between two `threadSeconds` readings, scaled by `per` (e.g.
 * microseconds per message: 1e6 / messages), rounded to `digits` decimals; idle threads left out.
 */
export function threadDelta(
  before: Map<string, number>,
  after: Map<string, number>,
  per: number,
  digits = 0,
): Record<string, number> {
  const out: Record<string, number> = {};
  const f = 10 ** digits;
  for (const [name, sec] of after) {
    const d = sec - (before.get(name) ?? 0);
    if (d > 0) out[name] = Math.round(d * per * f) / f;
  }
  return out;
}

/** Busy CPU seconds of the whole machine so far (every state but idle and iowait). */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const busy = v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + (v[7] ?? 0);
  return busy / HZ;
}

/**
 * CPU seconds used so far by `root` and every process below it, those that ended included:
 * a child that ended (an instance the herd kills, a worker that finished) leaves /proc, and its
 * time moves to its parent's cutime and cstime once the parent has waited for it, which is
 * counted here. Without them the tree's time fell when a child ended, and what it had used
 * since the window opened showed as work outside the bench.
 */
export function treeSeconds(root = process.pid): number {
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) stats.set(Number(name), st);
  }
  const children = new Map<number, number[]>();
  for (const [pid, st] of stats) {
    const list = children.get(st.ppid) ?? [];
    list.push(pid);
    children.set(st.ppid, list);
  }
  let ticks = 0;
  const todo = [root];
  // The tree is finite and every pid is visited once: bounded by the process count.
  const seen = new Set<number>();
  while (todo.length > 0) {
    const pid = todo.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const st = stats.get(pid);
    ticks += (st?.ticks ?? 0) + (st?.childTicks ?? 0);
    todo.push(...(children.get(pid) ?? []));
  }
  return ticks / HZ;
}

const load1 = (): number => Math.round(os.loadavg()[0]! * 100) / 100;

/** A reading at the start of a measured window. */
export interface Window {
  at: number;
  load: number;
  machine: number;
  tree: number;
  byPid: Map<number, number>;
}

/** What a measured window used. */
export interface WindowCpu {
  seconds: number;
  /** CPU seconds per pid over the window. */
  byPid: Map<number, number>;
  /** Load average (1 min) at the start and at the end. */
  loadStart: number;
  loadEnd: number;
  /** Share of one core that processes outside the bench used meanwhile (0.1 = 10 %). */
  outsideCores: number;
  /** Outside processes took more than 10 % of a core. */
  disturbed: boolean;
}

export function openWindow(pids: number[]): Window {
  return {
    at: performance.now(),
    load: load1(),
    machine: machineBusySeconds(),
    tree: treeSeconds(),
    byPid: new Map(pids.map((p) => [p, cpuSeconds(p)])),
  };
}

export function closeWindow(w: Window): WindowCpu {
  const byPid = new Map([...w.byPid].map(([p, s]) => [p, cpuSeconds(p) - s]));
  const seconds = (performance.now() - w.at) / 1000;
  const outside = machineBusySeconds() - w.machine - (treeSeconds() - w.tree);
  const outsideCores = Math.max(0, outside / Math.max(seconds, 0.001));
  return {
    seconds,
    byPid,
    loadStart: w.load,
    loadEnd: load1(),
    outsideCores: Math.round(outsideCores * 1000) / 1000,
    disturbed: outsideCores > 0.1,
  };
}

export const sumPids = (c: WindowCpu, pids: number[]): number =>
  pids.reduce((s, p) => s + (c.byPid.get(p) ?? 0), 0);
