import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines to stderr; pretty when stderr is a terminal (and pino-pretty is installed), unless
 * `format` (LOG_FORMAT) is `json`.
 */
export function createLogger(
  level: string,
  bindings: Record<string, unknown> = {},
  format?: string,
): Logger {
  const pretty = process.stderr.isTTY && format !== 'json';
  if (pretty) {
    return pino({
      level,
      base: bindings,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } },
    });
  }
  return pino({ level, base: bindings }, pino.destination(2));
}
