// The loopback redirect of the authorization-code sign-in (RFC 8252 §7.3, as the AWS CLI's AuthCodeFetcher does
// it): a listener on 127.0.0.1 at a port the system picks, waiting for the browser to come back to
// /oauth/callback with `code` and `state`. It answers one callback and closes, or closes at the timeout or when
// cancelled. The code is a credential: it is never logged, never put in an error, and the page it lands on sends
// no Referer and is not cached.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError, cancelled } from '../userError';

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

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  Connection: 'close',
};

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:30rem;margin:4rem auto"><h1>${title}</h1><p>${text}</p></body></html>`;
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
  let settle!: { resolve: (code: string) => void; reject: (error: Error) => void };
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  code.catch(() => undefined); // the caller awaits it; an early close must not be an unhandled rejection
  let done = false;
  const server: Server = createServer((req, res) => answer(req, res));
  const finish = (outcome: { code: string } | { error: Error }) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    server.close();
    server.closeIdleConnections();
    if ('code' in outcome) settle.resolve(outcome.code);
    else settle.reject(outcome.error);
  };

  function answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH || done) {
      log(`Sign-in listener: ignored a request that is not the sign-in callback (${req.method} ${url.pathname}).`);
      res.writeHead(404, PAGE_HEADERS).end(page('Not found', 'This address only receives the IAM Identity Center sign-in.'));
      return;
    }
    const params = url.searchParams;
    const outcome = judge(params, expectedState);
    log(`Sign-in listener: callback received (${'code' in outcome ? 'with a code' : `refused: ${(outcome.error as UserError).code}`}).`);
    const ok = 'code' in outcome;
    res.writeHead(ok ? 200 : 400, PAGE_HEADERS);
    res.end(
      ok
        ? page('Signed in', 'You are signed in to IAM Identity Center. You can close this tab and return to VS Code.')
        : page('Sign-in not completed', 'The sign-in did not complete. Return to VS Code and try again.'),
      () => finish(outcome),
    );
  }

  const timer = setTimeout(
    () =>
      finish({
        error: new UserError(
          "The browser did not come back with the sign-in in time: run 'Sign in to IAM Identity Center' again and finish it in the browser.",
          'SsoAuthorizationTimeout',
        ),
      }),
    options.timeoutMs,
  );
  const onAbort = () => finish({ error: cancelled() });
  options.signal?.addEventListener('abort', onAbort, { once: true });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  }).catch((error: unknown) => {
    finish({ error: cancelled() });
    throw new UserError(
      `Could not listen on 127.0.0.1 for the browser's sign-in (${(error as NodeJS.ErrnoException).code ?? 'error'}): use the device code instead (setting iamSwitchboard.identityCenterSignIn).`,
      'SsoLoopbackUnavailable',
    );
  });
  if (options.signal?.aborted) onAbort();
  const port = (server.address() as AddressInfo).port;
  return { redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`, code, close: () => finish({ error: cancelled() }) };
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
