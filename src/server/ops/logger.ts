import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPrettyModule from 'pino-pretty';

export type { Logger };

/**
 * pino-pretty, loaded only for a terminal: an instance logging JSON (every supervised or
 * deployed one) does not pay its ~20 ms of start-up.
 */
function pinoPretty(): typeof PinoPrettyModule {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPrettyModule;
}

/**
 * JSON lines to stderr; pretty when stderr is a terminal, unless `format` (LOG_FORMAT) is
 * `json`, or always when it is `pretty`. With `file`, every line goes to that file (JSON, appended)
 * and stderr gets only warnings and errors: the local cluster keeps a terminal quiet so.
 */
export function createLogger(
  level: string,
  bindings: Record<string, unknown> = {},
  format?: string,
  file?: string,
): Logger {
  const pretty = format === 'pretty' || (process.stderr.isTTY && format !== 'json');
  if (file) {
    const terminal = pretty
      ? pinoPretty()({ destination: 2, colorize: process.stderr.isTTY })
      : pino.destination(2);
    return pino(
      { level, base: bindings },
      pino.multistream([
        { level, stream: pino.destination({ dest: file, append: true }) },
        { level: 'warn', stream: terminal },
      ]),
    );
  }
  if (pretty) {
    // A stream in this thread, not a pino transport: a transport's worker thread loads its
    // target by path from the package, which the bundle (dist/) does not keep.
    return pino(
      { level, base: bindings },
      pinoPretty()({ destination: 2, colorize: process.stderr.isTTY }),
    );
  }
  return pino({ level, base: bindings }, pino.destination(2));
}
