// GET /authorize and its sign-in form (POST /authorize), where the browser goes in the authorization-code grant
// (see authorize.ts). A bad client_id or redirect_uri gets an error page and no redirect (RFC 6749 §4.1.2.1: never
// send the browser to an unchecked address); any other fault, a denial or the code goes back on the redirect with
// the request's state, as `?error=…` or `?code=…`.
import { matchesRegistered } from './authorize';
import type { OidcState } from './oidc';
import { type PageAnswer, escape, layout } from './verifyPage';
import type { SsoUser } from './world';

export interface AuthorizeAnswer extends PageAnswer {
  /** Set when the browser is sent back to the client: a 302 to this address. */
  location?: string;
}

function redirect(redirectUri: string, params: Record<string, string | undefined>): AuthorizeAnswer {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return { status: 302, html: '', location: url.toString() };
}

const errorPage = (status: number, message: string): AuthorizeAnswer => ({
  status,
  html: layout('Sign-in error', `<p class="error" role="alert">${escape(message)}</p>`),
});

function form(requestId: string, error?: string): string {
  return layout(
    'Sign in to the AWS access portal',
    `
<p>An application on this computer is asking for access to your AWS accounts.</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/authorize">
<input type="hidden" name="request" value="${escape(requestId)}">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit" name="action" value="allow">Allow</button>
<button type="submit" name="action" value="deny">Deny</button>
</form>`,
  );
}

export function authorizePage(query: URLSearchParams, state: OidcState): AuthorizeAnswer {
  const client = state.liveClient(query.get('client_id') ?? '');
  if (!client) return errorPage(400, 'Unknown or expired client_id.');
  const redirectUri = query.get('redirect_uri') ?? '';
  if (!matchesRegistered(redirectUri, client.redirectUris)) {
    return errorPage(400, 'The redirect_uri is not a loopback address this client registered.');
  }
  const stateParam = query.get('state') ?? undefined;
  const fail = (error: string, description: string) => redirect(redirectUri, { error, error_description: description, state: stateParam });
  if (!client.grantTypes?.includes('authorization_code')) return fail('unauthorized_client', 'Client is not registered for this grant');
  if (query.get('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code');
  const challenge = query.get('code_challenge') ?? '';
  if (!challenge) return fail('invalid_request', 'code_challenge is required');
  if (query.get('code_challenge_method') !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return fail('invalid_request', 'code_challenge is not a base64url SHA-256 digest');
  const requestId = state.authCodes.hold({ clientId: client.clientId, redirectUri, state: stateParam, codeChallenge: challenge });
  return { status: 200, html: form(requestId) };
}

/** The form's POST: sign in and Allow sends the code back; Deny sends access_denied. */
export function submitAuthorization(body: URLSearchParams, state: OidcState, users: SsoUser[]): AuthorizeAnswer {
  const id = body.get('request') ?? '';
  const request = state.authCodes.request(id);
  if (!request) return errorPage(400, 'This sign-in request is not valid or has expired. Start the sign-in again.');
  if (body.get('action') === 'deny') {
    state.authCodes.deny(id);
    return redirect(request.redirectUri, { error: 'access_denied', error_description: 'The request was denied', state: request.state });
  }
  const user = users.find((u) => u.userName === body.get('username'));
  if (!user || user.password !== body.get('password')) return { status: 401, html: form(id, 'Incorrect username or password.') };
  const issued = state.authCodes.issue(id, user.userName)!;
  return redirect(request.redirectUri, { code: issued.code, state: request.state });
}
