// Vault's OIDC auth method (vault-plugin-auth-jwt, path_oidc.go) at one mount, and the identity provider it
// talks to, which this server plays itself: `auth/<mount>/oidc/auth_url` hands out a URL to the provider page
// (/oidc-provider/<mount>/authorize), whose "Sign in" sends the browser to the redirect_uri with code and
// state; `auth/<mount>/oidc/callback` trades them for a token. Errors are the plugin's own strings.
import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import { type TokenStore, authData } from './auth';
import type { Clock } from './clock';
import { type Reply, type Route, badRequest } from './http';

export interface OidcRole {
  allowed_redirect_uris: string[];
  policies: string[];
  /** The claim that names the user (the token's display name); `email` by default. */
  user_claim?: string;
  ttlSeconds?: number;
}

export interface OidcUser {
  email: string;
  name: string;
}

export interface OidcConfig {
  /** Auth mount path without slashes (default `oidc`). */
  mount?: string;
  /** The role `vault login -method=oidc` uses when none is given. */
  default_role?: string;
  roles: Record<string, OidcRole>;
  /** People the provider page offers, keyed by subject. */
  users: Record<string, OidcUser>;
}

interface PendingRequest {
  role: string;
  redirectUri: string;
  clientNonce: string;
  nonce: string;
  expiresMs: number;
  /** Set once the provider page signed someone in. */
  code?: string;
  subject?: string;
}

// oidcRequestTimeout in path_oidc.go.
const REQUEST_TIMEOUT_MS = 10 * 60_000;
const LOGIN_FAILED = 'Vault login failed.';

export class OidcAuth {
  readonly mount: string;
  private readonly pending = new Map<string, PendingRequest>();

  constructor(
    private readonly config: OidcConfig,
    private readonly tokens: TokenStore,
    private readonly clock: Clock,
    /** The server's own URL, known once it listens: the provider page lives there. */
    private readonly baseUrl: () => string,
  ) {
    this.mount = config.mount ?? 'oidc';
  }

  routes(): Route[] {
    const m = this.mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return [
      { pattern: new RegExp(`^auth/${m}/oidc/auth_url$`), unauthenticated: true, write: (req) => this.authUrl(req.body) },
      { pattern: new RegExp(`^auth/${m}/oidc/callback$`), unauthenticated: true, read: (req) => this.callback(req.body) },
    ];
  }

  /** Unauthenticated, so invalid roles and redirects get an empty auth_url rather than a reason (as the plugin does). */
  private authUrl(body: Record<string, unknown>): Reply {
    const role = String(body.role ?? '').toLowerCase() || this.config.default_role || '';
    if (!role) throw badRequest('missing role');
    const redirectUri = String(body.redirect_uri ?? '');
    if (!redirectUri) throw badRequest('missing redirect_uri');
    const entry = this.config.roles[role];
    if (!entry) throw badRequest(`role "${role}" could not be found`);
    if (!validRedirect(redirectUri, entry.allowed_redirect_uris)) return { kind: 'envelope', data: { auth_url: '' } };
    this.forgetExpired();
    const state = `st_${randomId()}`;
    const nonce = `n_${randomId()}`;
    this.pending.set(state, {
      role,
      redirectUri,
      clientNonce: String(body.client_nonce ?? ''),
      nonce,
      expiresMs: this.clock.now() + REQUEST_TIMEOUT_MS,
    });
    const url = new URL(`${this.baseUrl()}/oidc-provider/${this.mount}/authorize`);
    url.search = new URLSearchParams({
      client_id: `vault-${this.mount}`,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      state,
      nonce,
    }).toString();
    return { kind: 'envelope', data: { auth_url: url.toString() } };
  }

  private callback(query: Record<string, unknown>): Reply {
    const state = String(query.state ?? '');
    const request = this.pending.get(state);
    // The state is good for one callback only, whatever happens next.
    this.pending.delete(state);
    if (!request || request.expiresMs <= this.clock.now()) throw badRequest(`${LOGIN_FAILED} Expired or missing OAuth state.`);
    if (request.clientNonce && String(query.client_nonce ?? '') !== request.clientNonce) throw badRequest('invalid client_nonce');
    const role = this.config.roles[request.role];
    if (!role) throw badRequest(`${LOGIN_FAILED} Role could not be found`);
    const code = String(query.code ?? '');
    if (!code) throw badRequest(`${LOGIN_FAILED} No code or id_token received.`);
    if (code !== request.code || !request.subject) {
      throw badRequest(
        `${LOGIN_FAILED} Error exchanging oidc code: "oauth2: cannot fetch token: 400 Bad Request\\nResponse: {\\"error\\":\\"invalid_grant\\"}".`,
      );
    }
    const user = this.config.users[request.subject];
    const claim = role.user_claim ?? 'email';
    const aliasName = claim === 'sub' ? request.subject : claim === 'name' ? user.name : user.email;
    const token = this.tokens.issue({
      policies: ['default', ...role.policies],
      displayName: `${this.mount}-${aliasName}`,
      path: `auth/${this.mount}/oidc/callback`,
      meta: { role: request.role },
      ttlSeconds: role.ttlSeconds,
    });
    return { kind: 'envelope', auth: authData(token) };
  }

  // ---- the identity provider's page ----

  /** Serves /oidc-provider/<mount>/authorize; false for any other path. */
  servePage(method: string, url: URL, rawBody: string, res: http.ServerResponse): boolean {
    if (url.pathname !== `/oidc-provider/${this.mount}/authorize`) return false;
    const params = method === 'POST' ? new URLSearchParams(rawBody) : url.searchParams;
    const state = params.get('state') ?? '';
    const request = this.pending.get(state);
    if (!request || request.redirectUri !== params.get('redirect_uri')) {
      sendHtml(
        res,
        400,
        page('Sign-in failed', '<p>This sign-in request is unknown or has expired. Start the sign-in again from your app.</p>'),
      );
      return true;
    }
    if (method !== 'POST') {
      sendHtml(res, 200, this.signInForm(state, request));
      return true;
    }
    const target = new URL(request.redirectUri);
    const subject = params.get('subject') ?? '';
    if (params.get('action') === 'cancel') {
      target.search = new URLSearchParams({
        error: 'access_denied',
        error_description: 'The user cancelled the sign-in.',
        state,
      }).toString();
    } else if (!this.config.users[subject]) {
      sendHtml(res, 400, page('Sign-in failed', '<p>Pick a user to sign in as.</p>'));
      return true;
    } else {
      request.code = `code_${randomId()}`;
      request.subject = subject;
      target.search = new URLSearchParams({ code: request.code, state }).toString();
    }
    res.writeHead(302, { Location: target.toString(), 'Cache-Control': 'no-store' }).end();
    return true;
  }

  private signInForm(state: string, request: PendingRequest): string {
    const users = Object.entries(this.config.users)
      .map(
        ([subject, user], i) =>
          `<label><input type="radio" name="subject" value="${escapeHtml(subject)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(user.name)} &lt;${escapeHtml(user.email)}&gt;</label><br>`,
      )
      .join('\n');
    return page(
      'Local identity provider: sign in',
      [
        `<h1>Sign in to Vault (${escapeHtml(this.mount)}, role ${escapeHtml(request.role)})</h1>`,
        // Relative, so the form also works when the page is reached through a proxy path (code-server's /proxy/<port>/).
        '<form method="post" action="authorize">',
        `<input type="hidden" name="state" value="${escapeHtml(state)}">`,
        `<input type="hidden" name="redirect_uri" value="${escapeHtml(request.redirectUri)}">`,
        users,
        '<button type="submit" name="action" value="signin">Sign in</button>',
        '<button type="submit" name="action" value="cancel">Cancel</button>',
        '</form>',
      ].join('\n'),
    );
  }

  private forgetExpired(): void {
    const now = this.clock.now();
    for (const [state, request] of this.pending) if (request.expiresMs <= now) this.pending.delete(state);
  }
}

/** validRedirect in path_oidc.go: exact match, except that loopback URIs match on any port (RFC 8252 7.3). */
export function validRedirect(uri: string, allowed: string[]): boolean {
  let input: URL;
  try {
    input = new URL(uri);
  } catch {
    return false;
  }
  if (!['localhost', '127.0.0.1', '[::1]'].includes(input.hostname)) return allowed.includes(uri);
  const withoutPort = (u: URL) => `${u.protocol}//${u.hostname}${u.pathname}${u.search}`;
  return allowed.some((a) => {
    try {
      return withoutPort(new URL(a)) === withoutPort(input);
    } catch {
      return false;
    }
  });
}

function randomId(): string {
  return randomBytes(18).toString('base64url');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body>\n${body}\n</body></html>\n`;
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res
    .writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(html),
    })
    .end(html);
}
