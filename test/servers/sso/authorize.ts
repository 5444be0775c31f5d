// The authorization-code grant with PKCE of the local Identity Center, as the AWS CLI v2 drives AWS's (awscli
// botocore/utils.py SSOTokenFetcherAuth): RegisterClient with grantTypes [authorization_code, refresh_token],
// redirectUris [http://127.0.0.1/oauth/callback] and issuerUrl; the browser sent to GET /authorize
// (response_type=code, client_id, redirect_uri with the listener's port, state, code_challenge_method=S256,
// code_challenge, scopes); the person signs in and is redirected to redirect_uri?code=…&state=…; CreateToken with
// grantType authorization_code, code, redirectUri and codeVerifier. /authorize is not in the service model, so its
// answers follow OAuth: RFC 6749 §4.1.2.1 (no redirect for a bad client or redirect URI, else error=… on the
// redirect), RFC 7636 (S256 only here, as the CLI sends), RFC 8252 §7.3 (a loopback redirect matches on any port).
import { createHash, randomBytes } from 'node:crypto';
import { oidc } from './http';

export interface AuthCodeRecord {
  clientId: string;
  /** Exactly as /authorize got it, port included: CreateToken must name the same. */
  redirectUri: string;
  codeChallenge: string;
  userName: string;
  expiresAtMs: number;
  used: boolean;
}

/** A pending /authorize request while the person signs in on the page. */
interface PendingRequest {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  expiresAtMs: number;
}

/** How long an authorization code can be redeemed (RFC 6749 §4.1.2 recommends at most 10 minutes). */
const CODE_TTL_MS = 5 * 60 * 1000;
const REQUEST_TTL_MS = 10 * 60 * 1000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
export const AUTH_CODE_GRANT = 'authorization_code';

/** An http:// loopback URI (RFC 8252 §7.3): the only redirect a public client may register here. */
export function isLoopbackRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && !url.username && !url.hash;
  } catch {
    return false;
  }
}

/** Whether `uri` matches a registered redirect URI, the port aside for loopback ones (RFC 8252 §7.3). */
export function matchesRegistered(uri: string, registered: readonly string[]): boolean {
  if (!isLoopbackRedirect(uri)) return false;
  const asked = new URL(uri);
  return registered.some((r) => {
    const known = new URL(r);
    return known.hostname === asked.hostname && known.pathname === asked.pathname && known.protocol === asked.protocol;
  });
}

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))), no padding. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export class AuthCodes {
  private readonly pending = new Map<string, PendingRequest>();
  private readonly codes = new Map<string, AuthCodeRecord>();

  constructor(private readonly now: () => number) {}

  /** Keeps a checked /authorize request; returns the id the sign-in page posts back. */
  hold(request: Omit<PendingRequest, 'expiresAtMs'>): string {
    const id = randomBytes(12).toString('base64url');
    this.pending.set(id, { ...request, expiresAtMs: this.now() + REQUEST_TTL_MS });
    return id;
  }

  request(id: string): PendingRequest | undefined {
    const request = this.pending.get(id);
    return request && this.now() < request.expiresAtMs ? request : undefined;
  }

  /** The person signed in and allowed: the request becomes a code, once. */
  issue(id: string, userName: string): { code: string; request: PendingRequest } | undefined {
    const request = this.request(id);
    if (!request) return undefined;
    this.pending.delete(id);
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, {
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      userName,
      expiresAtMs: this.now() + CODE_TTL_MS,
      used: false,
    });
    return { code, request };
  }

  issuedCodes(): string[] {
    return [...this.codes.keys()];
  }

  deny(id: string): PendingRequest | undefined {
    const request = this.request(id);
    this.pending.delete(id);
    return request;
  }

  /**
   * CreateToken's checks (RFC 6749 §4.1.3, RFC 7636 §4.6): a code of this client, unused, not expired (AWS answers
   * ExpiredTokenException, which the CLI's SSOTokenFetcherAuth catches), the same redirect URI, the verifier that
   * hashes to the challenge. Anything else is InvalidGrantException; a code is spent at its first try.
   */
  redeem(clientId: string, input: { code: string; redirectUri: string | undefined; codeVerifier: string | undefined }): string {
    if (input.redirectUri === undefined) throw oidc.invalidRequest('Missing required parameter: redirectUri');
    if (input.codeVerifier === undefined) throw oidc.invalidRequest('Missing required parameter: codeVerifier');
    const record = this.codes.get(input.code);
    if (!record || record.clientId !== clientId || record.used) throw oidc.invalidGrant('Invalid authorization code provided');
    record.used = true;
    if (this.now() >= record.expiresAtMs) throw oidc.expired();
    if (record.redirectUri !== input.redirectUri) throw oidc.invalidGrant('Redirect URI does not match the authorization request');
    if (s256(input.codeVerifier) !== record.codeChallenge) throw oidc.invalidGrant('Code verifier does not match the code challenge');
    return record.userName;
  }
}
