// REST-JSON as Identity Center answers: errors carry their type in `x-amzn-ErrorType` and, for the OIDC API, the
// OAuth `error`/`error_description` body; the portal API answers `{"message": …}`.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class SsoError extends Error {
  constructor(
    readonly status: number,
    /** The exception name the SDK turns into error.name, e.g. AuthorizationPendingException. */
    readonly type: string,
    message: string,
    /** The OAuth error code of the OIDC API (`authorization_pending`); absent on the portal API. */
    readonly oauthError?: string,
  ) {
    super(message);
  }

  body(): Record<string, string> {
    return this.oauthError === undefined ? { message: this.message } : { error: this.oauthError, error_description: this.message };
  }
}

// The OIDC API's errors (com.amazonaws.ssooidc), with the status codes of the SDK's schemas.
export const oidc = {
  pending: () => new SsoError(400, 'AuthorizationPendingException', 'Authorization is still pending', 'authorization_pending'),
  slowDown: () => new SsoError(400, 'SlowDownException', 'Client is polling too quickly', 'slow_down'),
  expired: () => new SsoError(400, 'ExpiredTokenException', 'Device code has expired', 'expired_token'),
  denied: () => new SsoError(400, 'AccessDeniedException', 'Authorization was denied by the user', 'access_denied'),
  invalidGrant: (why: string) => new SsoError(400, 'InvalidGrantException', why, 'invalid_grant'),
  invalidClient: (why: string) => new SsoError(401, 'InvalidClientException', why, 'invalid_client'),
  invalidRequest: (why: string) => new SsoError(400, 'InvalidRequestException', why, 'invalid_request'),
  invalidClientMetadata: (why: string) => new SsoError(400, 'InvalidClientMetadataException', why, 'invalid_client_metadata'),
  invalidRedirectUri: () =>
    new SsoError(400, 'InvalidRedirectUriException', 'Redirect URI must be a loopback http:// URI', 'invalid_redirect_uri'),
  unauthorizedClient: () =>
    new SsoError(400, 'UnauthorizedClientException', 'Client is not authorized to use this grant type', 'unauthorized_client'),
  unsupportedGrant: () => new SsoError(400, 'UnsupportedGrantTypeException', 'Unsupported grant type', 'unsupported_grant_type'),
};

// The portal API's errors (com.amazonaws.sso).
export const portal = {
  unauthorized: () => new SsoError(401, 'UnauthorizedException', 'Session token not found or invalid'),
  tooManyRequests: () => new SsoError(429, 'TooManyRequestsException', 'HTTP 429 Unknown Code'),
  forbidden: () => new SsoError(403, 'ForbiddenException', 'No access'),
  invalidRequest: (why: string) => new SsoError(400, 'InvalidRequestException', why),
};

/**
 * Errors the real service sends that the local world does not produce by itself, for the failure switch: the
 * route they answer and the status and shape of botocore's models (sso: ResourceNotFoundException 404 on
 * GetRoleCredentials; sso-oidc: InvalidScopeException and UnauthorizedClientException 400 with the OAuth
 * error/error_description body on CreateToken).
 */
export const FAILURES = {
  ResourceNotFoundException: { route: '/federation/credentials', make: () => new SsoError(404, 'ResourceNotFoundException', 'No access') },
  InvalidScopeException: {
    route: '/token',
    make: () => new SsoError(400, 'InvalidScopeException', 'Invalid scope requested', 'invalid_scope'),
  },
  UnauthorizedClientException: {
    route: '/token',
    make: () => new SsoError(400, 'UnauthorizedClientException', 'Client is not authorized to use this grant type', 'unauthorized_client'),
  },
} as const;

export type FailureType = keyof typeof FAILURES;

export function isFailureType(type: unknown): type is FailureType {
  return typeof type === 'string' && Object.hasOwn(FAILURES, type);
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendError(res: ServerResponse, error: SsoError, requestId: string): void {
  sendJson(res, error.status, error.body(), { 'x-amzn-ErrorType': error.type, 'x-amzn-RequestId': requestId });
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
  res.end(html);
}

/** The JSON object of a request body; anything else is the InvalidRequestException AWS answers. */
export function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = text ? JSON.parse(text) : {};
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the error below
  }
  throw oidc.invalidRequest('The request body is not a JSON object');
}
