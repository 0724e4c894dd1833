/** What `chat-admin` exits with; scripts act on these, so they never change meaning. */
export const ExitCode = {
  Ok: 0,
  /** The operation failed (e.g. a replacement did not come back in time, no such instance). */
  Failed: 1,
  /** Bad command line. */
  Usage: 2,
  /** The server, or the Redis behind it, could not be reached. */
  Unreachable: 3,
  /**
   * The admin token was wrong, missing, or the admin API is disabled: 1, as the product
   * contract says (a refusal is a failure); the message says which token and server.
   */
  Unauthorized: 1,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The table printed at the end of `--help` (and kept in step with docs/operations.md). */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  ok',
  '  1  failed (e.g. a replacement did not come back in time), or the admin token was refused',
  '  2  usage error',
  '  3  server or Redis unreachable',
].join('\n');

/** An error that knows the exit code it ends the program with. */
export class AdminError extends Error {
  /** The admin token was refused (or none was found): no retry can help. */
  readonly unauthorized: boolean;

  constructor(
    readonly exitCode: ExitCode,
    message: string,
    opts: { unauthorized?: boolean } = {},
  ) {
    super(message);
    this.name = 'AdminError';
    this.unauthorized = opts.unauthorized ?? false;
  }
}
