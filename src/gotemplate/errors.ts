/** A template failed to parse or execute; the message reads "<template>:<line>: <what>" like helm's. */
export class TemplateError extends Error {
  constructor(
    readonly template: string,
    readonly line: number,
    readonly what: string,
  ) {
    super(`${template}:${line}: ${what}`);
    this.name = 'TemplateError';
  }
}

/** Raised by `fail`/`required`: helm prints these without the template location prefix. */
export class FailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FailError';
  }
}
