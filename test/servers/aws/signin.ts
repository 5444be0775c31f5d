// `aws login` (AWS CLI 2.32+) as the local AWS knows it: a console sign-in that gives a person's IAM user session
// credentials (15 minutes) and a refresh token bound to a DPoP key, and the AWS Sign-In service's token endpoint
// that refreshes them: POST /v1/token, REST-JSON, `CreateOAuth2Token` in the SDK's signin model
// (@aws-sdk/nested-clients/signin: body {clientId, grantType: "refresh_token", refreshToken}, answer
// {accessToken: {accessKeyId, secretAccessKey, sessionToken}, tokenType, expiresIn, refreshToken, idToken}; errors
// AccessDeniedException / ValidationException with an OAuth2 `error` code, the ones LoginCredentialsFetcher branches
// on). Each refresh token works once and only with a DPoP proof (RFC 9449) signed by its key, for this method and URL.
import { createHash, createPublicKey, generateKeyPairSync, type JsonWebKey, randomBytes, verify } from 'node:crypto';
import type { Identities, UserRecord } from './identities';

/** The client id the AWS CLI signs in with on the same device. */
export const LOGIN_CLIENT_ID = 'arn:aws:signin:::devtools/same-device';
const SESSION_SECONDS = 900;
/** How far a DPoP proof's `iat` may be from the server's clock. */
const PROOF_WINDOW_SECONDS = 300;

/** The cache file `aws login` writes (~/.aws/login/cache/<sha256 of login_session>.json). */
export interface LoginCacheFile {
  accessToken: { accessKeyId: string; secretAccessKey: string; sessionToken: string; accountId: string; expiresAt: string };
  tokenType: string;
  clientId: string;
  refreshToken: string;
  idToken: string;
  dpopKey: string;
  signInRegion?: string;
}

export class SigninError extends Error {
  constructor(
    readonly status: number,
    readonly type: 'AccessDeniedException' | 'ValidationException',
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

export class ConsoleSignIn {
  /** Refresh token → who it signs in and the thumbprint of the DPoP key it is bound to. */
  private readonly refreshTokens = new Map<string, { user: UserRecord; thumbprint: string }>();
  /** Requests to /v1/token that were answered with new credentials. */
  refreshes = 0;

  constructor(private readonly identities: Identities) {}

  /** What `aws login` leaves in the cache after the person signs in as `user` in the browser. */
  login(user: UserRecord, signInRegion?: string): LoginCacheFile {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const refreshToken = this.newRefreshToken(user, thumbprint(publicKey.export({ format: 'jwk' })));
    return {
      accessToken: this.credentials(user),
      tokenType: 'aws_sigv4',
      clientId: LOGIN_CLIENT_ID,
      refreshToken,
      idToken: 'local-id-token',
      dpopKey: privateKey.export({ format: 'pem', type: 'sec1' }).toString(),
      ...(signInRegion ? { signInRegion } : {}),
    };
  }

  /** POST /v1/token. `url` is the URL the request was sent to, which the DPoP proof must name. */
  createOAuth2Token(input: Record<string, unknown>, dpop: string | undefined, url: string): unknown {
    if (input.grantType !== 'refresh_token' || typeof input.refreshToken !== 'string' || input.clientId !== LOGIN_CLIENT_ID) {
      throw new SigninError(400, 'ValidationException', 'INVALID_REQUEST', 'The request is missing a parameter or has an invalid one.');
    }
    const proofKey = checkProof(dpop, url, this.identities.now());
    const bound = this.refreshTokens.get(input.refreshToken);
    this.refreshTokens.delete(input.refreshToken);
    if (!bound || bound.thumbprint !== proofKey) {
      throw new SigninError(400, 'AccessDeniedException', 'TOKEN_EXPIRED', 'The refresh token is expired or was already used.');
    }
    this.refreshes += 1;
    const { accountId: _accountId, expiresAt: _expiresAt, ...accessToken } = this.credentials(bound.user);
    return {
      accessToken,
      tokenType: 'aws_sigv4',
      expiresIn: SESSION_SECONDS,
      refreshToken: this.newRefreshToken(bound.user, bound.thumbprint),
      idToken: 'local-id-token',
    };
  }

  private newRefreshToken(user: UserRecord, keyThumbprint: string): string {
    const token = randomBytes(32).toString('base64url');
    this.refreshTokens.set(token, { user, thumbprint: keyThumbprint });
    return token;
  }

  /** The console session's credentials: the IAM user's own session, as GetSessionToken gives. */
  private credentials(user: UserRecord): LoginCacheFile['accessToken'] {
    const expiresAtMs = this.identities.now() + SESSION_SECONDS * 1000;
    const session = this.identities.issueSession({
      kind: 'session-token',
      expiresAtMs,
      account: user.account,
      arn: user.arn,
      userId: user.userId,
      user,
      mfa: false,
      chained: false,
    });
    const { accessKeyId, secretAccessKey, sessionToken } = session;
    return { accessKeyId, secretAccessKey, sessionToken, accountId: user.account, expiresAt: new Date(expiresAtMs).toISOString() };
  }
}

/** RFC 7638: the SHA-256 of the key's required members in lexicographic order. */
function thumbprint(jwk: JsonWebKey): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url');
}

/** Checks a DPoP proof (an ES256 JWT with its public key in the header) for POST `url`; returns the key's thumbprint. */
function checkProof(dpop: string | undefined, url: string, nowMs: number): string {
  const refuse = (why: string) => new SigninError(400, 'AccessDeniedException', 'INVALID_DPOP_PROOF', `DPoP proof refused: ${why}.`);
  const parts = (dpop ?? '').split('.');
  if (parts.length !== 3) throw refuse('missing or not a JWT');
  let header: { typ?: string; alg?: string; jwk?: JsonWebKey };
  let payload: { htm?: string; htu?: string; iat?: number; jti?: string };
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as typeof payload;
  } catch {
    throw refuse('not JSON');
  }
  if (header.typ !== 'dpop+jwt' || header.alg !== 'ES256' || header.jwk?.kty !== 'EC' || header.jwk.crv !== 'P-256') {
    throw refuse('not an ES256 dpop+jwt with a P-256 key');
  }
  const key = createPublicKey({ key: header.jwk, format: 'jwk' });
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  if (!verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'))) {
    throw refuse('bad signature');
  }
  if (payload.htm !== 'POST' || payload.htu !== url || !payload.jti) throw refuse('wrong method or URL');
  if (typeof payload.iat !== 'number' || Math.abs(payload.iat - nowMs / 1000) > PROOF_WINDOW_SECONDS) throw refuse('stale');
  return thumbprint(header.jwk);
}
