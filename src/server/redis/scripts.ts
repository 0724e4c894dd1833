import { Pipeline } from 'ioredis';
import type { RedisConn } from './clients.js';

/** One Lua script, as `defineCommand` takes it. */
export interface ScriptDefinition {
  /** undefined: the caller passes the number of keys first (a script over a varying count). */
  numberOfKeys: number | undefined;
  lua: string;
}

/** The parts of ioredis's client and pipeline this module reaches past the typed surface. */
type ScriptHost = Record<string, unknown> & { scriptsSet: Record<string, unknown> };

/** name -> the Lua, key count and key prefix its pipeline method runs (one per process). */
const onPipelines = new Map<string, string>();

/**
 * Defines `name` on `redis` as ioredis's `defineCommand` does (EVALSHA, falling back to the
 * script's text on a connection that has not run it yet), and makes it a method of every
 * pipeline once, on the pipelines' prototype.
 *
 * ioredis's own way copies every defined script onto each pipeline it makes: two properties
 * per script in the pipeline's constructor, and an auto-pipelined client makes a pipeline for
 * every event-loop turn in which it sends a command (a burst of handshakes, a message's
 * append, every `multi()`). With this instance's two dozen scripts that copy cost about
 * 14 µs and 8 KB of garbage per pipeline on the bench's machine (bench/ANALYSIS.md, k): more
 * than the rest of a handshake's Redis read. Here a pipeline finds the methods on its
 * prototype instead, and the client's set of scripts to copy stays empty.
 *
 * The prototype is shared by every client in the process, so a name means one script: a
 * second definition of it must be the same Lua with the same key count and key prefix
 * (defining it on another connection, or again, is fine); a different one throws.
 */
export function defineScript(redis: RedisConn, name: string, def: ScriptDefinition): void {
  const prefix = (redis.options as { keyPrefix?: string }).keyPrefix ?? '';
  const identity = `${def.numberOfKeys ?? 'varying'}\n${prefix}\n${def.lua}`;
  const known = onPipelines.get(name);
  if (known !== undefined && known !== identity) {
    throw new Error(`Redis script ${name} is already defined with other Lua, key count or prefix`);
  }
  redis.defineCommand(name, def);
  const host = redis as unknown as ScriptHost;
  delete host.scriptsSet[name];
  if (known === undefined) {
    const proto = Pipeline.prototype as unknown as Record<string, unknown>;
    proto[name] = host[name];
    proto[`${name}Buffer`] = host[`${name}Buffer`];
    onPipelines.set(name, identity);
  }
}

/** An error reply from Redis (ioredis's `ReplyError`): Redis answered, refusing a command. */
export function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

/**
 * An error a script raised while it ran on its keys: a record it could not read (not JSON, a
 * key of another type). Redis marks those with the script's sha (`… script: <sha>, on
 * @user_script:N.`); a script Redis would not run at all (READONLY on a replica after a
 * failover, LOADING, BUSY, OOM, NOPERM) has no such mark, and is the storage's state, not the
 * data's.
 */
export function failedInScript(err: unknown): boolean {
  return isReplyError(err) && / script: [0-9a-f]{40}\b/.test(err.message);
}
