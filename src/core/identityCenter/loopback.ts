// The loopback redirect of the authorization-code sign-in (RFC 8252 §7.3, as the AWS CLI's AuthCodeFetcher does
// it): a listener on 127.0.0.1 at a port the system picks, waiting for the browser to come back to
// /oauth/callback with `code` and `state`. It answers one callback and closes, or closes at the timeout or when
// cancelled (the listener itself is ../loopbackCallback.ts; here: the path, the state check and the pages). The code is
// a credential: it is never logged, never put in an error, and the page it lands on sends no Referer and is not cached.
import { listenForCallback } from '../loopbackCallback';
import { UserError } from '../userError';

export const CALLBACK_PATH = '/oauth/callback';

export interface LoopbackRedirect {
  /** http://127.0.0.1:<port>/oauth/callback: what /authorize and CreateToken name. */
  redirectUri: string;
  /** The code, once the browser came back with it and the expected state. */
  code: Promise<string>;
  /** Stops listening (the code promise rejects as cancelled if still waiting). */
  close(): void;
}

export interface LoopbackOptions {
  /** How long to wait for the browser; the CLI waits 10 minutes. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Diagnostics: what happened, never a code or a state. */
  log?: (line: string) => void;
}

/** OAuth errors the page may name (RFC 6749 §4.1.2.1); anything else the server sent is not echoed. */
const KNOWN_ERRORS = new Set([
  'access_denied',
  'invalid_request',
  'unauthorized_client',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
]);

export async function listenForRedirect(expectedState: string, options: LoopbackOptions): Promise<LoopbackRedirect> {
  const log = options.log ?? (() => undefined);
  const listener = await listenForCallback({ path: CALLBACK_PATH, purpose: 'the IAM Identity Center sign-in', log }).catch(
    (error: NodeJS.ErrnoException) => {
      throw new UserError(
        `Could not listen on 127.0.0.1 for the browser's sign-in (${error.code ?? 'error'}): use the device code instead (setting iamSwitchboard.identityCenterSignIn).`,
        'SsoLoopbackUnavailable',
      );
    },
  );
  const code = listener
    .callback({
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      timeoutError: () =>
        new UserError(
          "The browser did not come back with the sign-in in time: run 'Sign in to IAM Identity Center' again and finish it in the browser.",
          'SsoAuthorizationTimeout',
        ),
    })
    .then(async (request) => {
      const outcome = judge(request.query, expectedState);
      const ok = 'code' in outcome;
      log(`Sign-in listener: callback received (${ok ? 'with a code' : `refused: ${(outcome.error as UserError).code}`}).`);
      await request.answer(
        ok
          ? {
              status: 200,
              title: 'Signed in',
              text: 'You are signed in to IAM Identity Center. You can close this tab and return to VS Code.',
            }
          : { status: 400, title: 'Sign-in not completed', text: 'The sign-in did not complete. Return to VS Code and try again.' },
      );
      if (!ok) throw outcome.error;
      return outcome.code;
    });
  code.catch(() => undefined); // the caller awaits it; an early close must not be an unhandled rejection
  return {
    redirectUri: `http://127.0.0.1:${listener.port}${CALLBACK_PATH}`,
    code,
    close: () => void listener.close(),
  };
}

/** The callback's query: the code when the state is ours, else why not (never echoing what was sent). */
function judge(params: URLSearchParams, expectedState: string): { code: string } | { error: Error } {
  const error = params.get('error');
  if (error !== null) {
    if (error === 'access_denied') {
      return {
        error: new UserError(
          "The sign-in was denied in the browser: run 'Sign in to IAM Identity Center' again and press Allow.",
          'SsoAccessDenied',
        ),
      };
    }
    const named = KNOWN_ERRORS.has(error) ? ` (${error})` : '';
    return {
      error: new UserError(
        `IAM Identity Center refused the sign-in${named}: run 'Sign in to IAM Identity Center' again, or use the device code (setting iamSwitchboard.identityCenterSignIn).`,
        'SsoAuthorizeFailed',
      ),
    };
  }
  // Not ours: another page (or site) sent the browser here. Refused, and no code is used (RFC 6749 §10.12).
  if (params.get('state') !== expectedState) {
    return {
      error: new UserError(
        "The sign-in came back with a state this window did not send, so it was refused: run 'Sign in to IAM Identity Center' again.",
        'SsoStateMismatch',
      ),
    };
  }
  const code = params.get('code');
  if (!code) {
    return {
      error: new UserError("The sign-in came back without a code: run 'Sign in to IAM Identity Center' again.", 'SsoAuthorizeFailed'),
    };
  }
  return { code };
}
