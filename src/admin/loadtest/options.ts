import os from 'node:os';
import { parseDuration } from '../output.js';
import { wholeNumber } from '../../shared/settings.js';

/** What `chat-admin loadtest` was asked to do, after parsing and defaults. */
export interface LoadtestOptions {
  clients: number;
  rooms: number;
  /** Aggregate messages per second over all virtual users. */
  rate: number;
  durationMs: number;
  rampMs: number;
  workers: number;
  /** How long to wait, after sending stops, for the last deliveries. */
  drainMs: number;
  maxP99Ms?: number;
  maxLost?: number;
  maxConnectFail?: number;
  maxSendFail?: number;
}

/** One process holds at most ~19,900 sockets (`ulimit -n` 20000); keep a margin. */
export const MAX_VUS_PER_WORKER = 19_000;

/** A duration flag (`30s`, `1.5m`, `500ms`, `2h`, bare seconds) in ms; throws what to write. */
export function durationFlag(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined)
    throw new Error(`not a duration: ${JSON.stringify(raw)} (use e.g. 500ms, 30s, 2m)`);
  return ms;
}

/** Parses a whole number (decimal digits, as every setting) within bounds. */
export function parseCount(raw: string, min: number, max: number): number {
  const n = raw === '' ? undefined : wholeNumber(raw);
  if (n === undefined || n < min || n > max) {
    throw new Error(`must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Parses a non-negative number (rates and thresholds may be fractional). */
export function parseNumber(raw: string, min = 0): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`must be a number >= ${min}, got ${raw}`);
  return n;
}

export interface RawLoadtestFlags {
  clients: number;
  rooms?: number;
  rate?: number;
  duration: number;
  ramp: number;
  workers?: number;
  drain: number;
  maxP99?: number;
  maxLost?: number;
  maxConnectFail?: number;
  maxSendFail?: number;
}

/** Fills in defaults: a room per 50 users, one message per 10 users per second, one worker per core. */
export function resolveOptions(f: RawLoadtestFlags): LoadtestOptions {
  const cores = os.availableParallelism();
  const minWorkers = Math.ceil(f.clients / MAX_VUS_PER_WORKER);
  const workers = Math.min(f.clients, Math.max(f.workers ?? cores, minWorkers));
  if (f.workers !== undefined && f.workers < minWorkers) {
    throw new Error(
      `--workers ${f.workers} is too few for ${f.clients} clients: one process holds at most ${MAX_VUS_PER_WORKER} sockets`,
    );
  }
  return {
    clients: f.clients,
    rooms: Math.min(f.clients, f.rooms ?? Math.max(1, Math.round(f.clients / 50))),
    rate: f.rate ?? Math.max(1, f.clients / 10),
    durationMs: f.duration,
    rampMs: f.ramp,
    workers,
    drainMs: f.drain,
    ...(f.maxP99 !== undefined ? { maxP99Ms: f.maxP99 } : {}),
    ...(f.maxLost !== undefined ? { maxLost: f.maxLost } : {}),
    ...(f.maxConnectFail !== undefined ? { maxConnectFail: f.maxConnectFail } : {}),
    ...(f.maxSendFail !== undefined ? { maxSendFail: f.maxSendFail } : {}),
  };
}
