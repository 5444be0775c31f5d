/**
 * An error whose message is already the one sentence a person should read: what happened and what to do next.
 * Core code throws it after branching on machine-readable codes; the edge shows `message` as is.
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** The machine-readable code behind it (`AccessDenied`, `sealed`, ...), for logs and tests. */
    readonly code?: string,
    /** Details for the log. Never put a secret here. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** True for errors that mean the person cancelled, which need no message. */
export function isCancellation(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'AbortError' || name === 'Cancelled' || (error instanceof UserError && error.code === 'Cancelled');
}
