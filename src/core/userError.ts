/**
 * An error whose message is already the one sentence a person should read: what happened and what to do next.
 * Core code throws it after branching on machine-readable codes; the edge shows `message` as is.
 */
export class UserError extends Error {
  /** The machine-readable code behind it (`AccessDenied`, `sealed`, ...), for logs and tests. */
  readonly code?: string;
  /** Details for the log. Never put a secret here. */
  readonly detail?: string;

  constructor(message: string, code?: string, detail?: string) {
    // Codes and details often come from a server: one line each, so none can forge a line in the log.
    super(oneLine(message));
    this.name = 'UserError';
    this.code = code === undefined ? undefined : code.replace(/[^\w.-]/g, '_').slice(0, 64);
    this.detail = detail === undefined ? undefined : oneLine(detail);
  }
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

/** True for errors that mean the person cancelled, which need no message. */
export function isCancellation(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'AbortError' || name === 'Cancelled' || (error instanceof UserError && error.code === 'Cancelled');
}

/** The one error for "the person cancelled": shown nowhere, logged only (see isCancellation). */
export function cancelled(detail?: string): UserError {
  return new UserError('Cancelled.', 'Cancelled', detail);
}

/**
 * An error's own message, or its string form for things thrown that are not Errors. Never a SyntaxError's message:
 * JSON.parse quotes the text it failed on, which can be a secret from a file, a program or a server.
 */
export function errorText(error: unknown): string {
  if (error instanceof SyntaxError) return 'SyntaxError (its message is not shown: it may quote the text that did not parse)';
  return error instanceof Error ? error.message : String(error);
}
