/**
 * Errors the CLI reports as one line, without a stack trace: anything a person can cause. Every
 * message names the file, the path inside it and what was expected, so an operator can fix the input
 * without reading our code. Anything else is a bug and is printed as an internal error.
 */
export abstract class CliError extends Error {
  abstract readonly exitCode: number;
}

/** Bad input: a file, the path inside it and what was expected (exit 1). */
export class InputError extends CliError {
  readonly exitCode: number = 1;
  constructor(
    readonly file: string,
    readonly where: string,
    readonly expected: string,
  ) {
    super(`${file}${where ? `: ${where}` : ''}: ${expected}`);
    this.name = 'InputError';
  }
}

/** Wrong flags or arguments: exit 2, like most Unix tools. */
export class UsageError extends CliError {
  readonly exitCode: number = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure that is not the input's fault but still deserves a clean one-line message (exit 1). */
export class PipelineError extends CliError {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = 'PipelineError';
  }
}

export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : 1;
}
