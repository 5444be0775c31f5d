// One request's time limit: `deadline` aborts when the time is up, `signal` also when the person cancels, so a
// caller can tell a timeout from a cancel by which of the two fired.
export function deadlineSignals(timeoutMs: number, cancel?: AbortSignal): { deadline: AbortSignal; signal: AbortSignal } {
  const deadline = AbortSignal.timeout(timeoutMs);
  return { deadline, signal: cancel ? AbortSignal.any([cancel, deadline]) : deadline };
}
