import type * as vscode from 'vscode';

/** Runs `run` with an AbortSignal that follows `token`, and drops the cancellation listener when it ends. */
export async function whileNotCancelled<T>(token: vscode.CancellationToken, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const listener = token.onCancellationRequested(() => controller.abort());
  try {
    return await run(controller.signal);
  } finally {
    listener.dispose();
  }
}
