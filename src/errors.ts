import * as vscode from 'vscode';
import { isCancellation, UserError, errorText } from './core/userError';

/** Errors whose next step is one command: their message carries a button that runs it. */
const SIGN_IN_TO_IDENTITY_CENTER = { title: 'Sign in', command: 'iamSwitchboard.signInToIdentityCenter' };
const NEXT_STEPS: Record<string, { title: string; command: string } | undefined> = {
  SsoSignInRequired: SIGN_IN_TO_IDENTITY_CENTER,
  SsoTokenExpired: SIGN_IN_TO_IDENTITY_CENTER,
  SsoClientInvalid: SIGN_IN_TO_IDENTITY_CENTER,
  LoginRequired: { title: 'Sign in', command: 'iamSwitchboard.signInWithConsoleCredentials' },
};

/**
 * The one place errors reach the person: a core UserError is shown as is (it already says what to do next);
 * anything else gets a generic sentence. Details go to the log, never a secret (core errors carry none).
 * Cancellation is logged only. Returns at once: nobody needs to wait for the message to be dismissed.
 */
export function showError(log: vscode.LogOutputChannel, error: unknown, action?: string): void {
  if (isCancellation(error)) {
    log.info(`${action ?? 'Operation'} cancelled.`);
    return;
  }
  if (error instanceof UserError) {
    log.error(`${action ? action + ': ' : ''}${error.code ?? 'error'}: ${error.message}${error.detail ? ` (${error.detail})` : ''}`);
    const next = NEXT_STEPS[error.code ?? ''];
    if (next) {
      void vscode.window
        .showErrorMessage(error.message, next.title)
        .then((choice) => choice && vscode.commands.executeCommand(next.command));
      return;
    }
    void vscode.window.showErrorMessage(error.message);
    return;
  }
  const message = errorText(error);
  log.error(`${action ? action + ': ' : ''}unexpected error: ${message}`);
  void vscode.window
    .showErrorMessage(`${action ?? 'IAM Switchboard'} failed unexpectedly: ${message}. Details are in the log.`, 'Show Log')
    .then((choice) => choice && log.show());
}

/**
 * Registers command `id`, whose failures reach the person through showError (or `onError`, for a command that
 * offers more, such as signing in again) instead of surfacing as an unhandled rejection. Resolves to undefined
 * after a failure.
 */
export function registerCommand<A>(
  log: vscode.LogOutputChannel,
  id: string,
  action: string,
  run: (arg?: A) => Promise<unknown>,
  onError: (error: unknown, arg?: A) => void = (error) => showError(log, error, action),
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (arg?: A) => {
    try {
      return await run(arg);
    } catch (error) {
      onError(error, arg);
      return undefined;
    }
  });
}
