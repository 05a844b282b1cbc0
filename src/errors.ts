/**
 * Errors the CLI reports without a stack trace. Every message names the file, the path inside it and
 * what was expected, so an operator can fix the input without reading our code.
 */
export class InputError extends Error {
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
export class UsageError extends Error {
  readonly exitCode: number = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure that is not the input's fault but still deserves a clean one-line message (exit 1). */
export class PipelineError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = 'PipelineError';
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof InputError || err instanceof UsageError || err instanceof PipelineError) {
    return err.exitCode;
  }
  return 1;
}
