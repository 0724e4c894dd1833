/** What `chat-admin` exits with; scripts act on these, so they never change meaning. */
export const ExitCode = {
  Ok: 0,
  /** The operation failed (e.g. a replacement did not come back in time, no such instance). */
  Failed: 1,
  /** Bad command line. */
  Usage: 2,
  /** The server, or the Redis behind it, could not be reached. */
  Unreachable: 3,
  /** The admin token was wrong, missing, or the admin API is disabled. */
  Unauthorized: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The table printed at the end of `--help` (and kept in step with the README). */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  ok',
  '  1  failed (e.g. a replacement did not come back in time)',
  '  2  usage error',
  '  3  server or Redis unreachable',
  '  4  unauthorized (wrong or missing admin token)',
].join('\n');

/** An error that knows the exit code it ends the program with. */
export class AdminError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}
