import { readFileSync } from 'node:fs';
import os from 'node:os';

/** CPU time a process has used so far, in ms, read from /proc (Linux); undefined elsewhere. */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    // USER_HZ is 100 on every Linux Node supports.
    return (utime + stime) * 10;
  } catch {
    return undefined;
  }
}

/** A CPU-time reading of some processes, to turn into percentages of one core later. */
export interface CpuSample {
  at: number;
  byPid: Map<number, number>;
}

export function sampleCpu(pids: number[]): CpuSample {
  const byPid = new Map<number, number>();
  for (const pid of pids) {
    const t = cpuTimeMs(pid);
    if (t !== undefined) byPid.set(pid, t);
  }
  return { at: performance.now(), byPid };
}

/** Percent of one core used by `pid` between two samples; null when it was not seen in both. */
export function cpuPct(pid: number, from: CpuSample, to: CpuSample): number | null {
  const a = from.byPid.get(pid);
  const b = to.byPid.get(pid);
  const wall = to.at - from.at;
  if (a === undefined || b === undefined || wall <= 0) return null;
  return Math.round(((b - a) / wall) * 1000) / 10;
}

/** Whether a server URL points at this machine (only then are its pids ours to read). */
export function isLocal(server: string): boolean {
  const h = new URL(server).hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || h === os.hostname();
}
