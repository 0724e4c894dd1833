import type { z } from 'zod';
import { AdminError, ExitCode } from './exit-codes.js';

/**
 * Checks a request with the server's own schema before connecting: what the server would
 * refuse is a usage error (exit 2) said at once, and nothing is sent.
 */
export function validated<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues
    .map((i) => `${i.path.join('.') || 'value'} ${i.message}`)
    .join('; ');
  throw new AdminError(ExitCode.Usage, `cannot ${what}: ${why}`);
}
