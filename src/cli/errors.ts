/** Exit codes of every chat-tui command. */
export const Exit = {
  Ok: 0,
  /** Something failed: the server refused, could not be reached, the session ended. */
  Error: 1,
  /** The command line was wrong, or the command cannot run here (join without a terminal). */
  Usage: 2,
} as const;

export type ExitCode = (typeof Exit)[keyof typeof Exit];

/** An error meant for the user: printed as one line on stderr, then exit with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = Exit.Error,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
