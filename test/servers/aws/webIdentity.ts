// AssumeRoleWithWebIdentity, unsigned as real STS takes it: the token is an OIDC JWT whose `iss` names an OIDC
// provider that the role's trust policy names as a Federated principal, with `aud` and `exp` checked. The
// signature is not verified (a local server), but a token that is not a JWT is refused as STS refuses it.
import { integerParam, nameParam, requiredParam } from './actions';
import { AwsError, accessDenied } from './errors';
import type { Identities } from './identities';
import { credentialsXml } from './sts';
import { findRoleByArn, roleArn as formatRoleArn, uniqueId, type PolicyStatement, type World } from './world';
import { el, leaf } from './xml';

export interface UnsignedContext {
  params: URLSearchParams;
  identities: Identities;
  world: World;
}

interface Claims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function claimsOf(token: string): Claims {
  const malformed = new AwsError(
    400,
    'InvalidIdentityToken',
    'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
  );
  const parts = token.split('.');
  if (parts.length !== 3) throw malformed;
  let claims: Partial<Claims>;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Partial<Claims>;
  } catch {
    throw malformed;
  }
  if (typeof claims.iss !== 'string' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number') throw malformed;
  const aud = Array.isArray(claims.aud) ? String(claims.aud[0]) : claims.aud;
  if (typeof aud !== 'string') throw malformed;
  return { iss: claims.iss, sub: claims.sub, aud, exp: claims.exp };
}

/** `token.local` for iss `https://token.local`: the provider's ARN is its URL without the scheme. */
function providerArn(account: string, issuer: string): string {
  return `arn:aws:iam::${account}:oidc-provider/${issuer.replace(/^https:\/\//, '')}`;
}

function trusts(statement: PolicyStatement, provider: string): boolean {
  const principal = statement.Principal;
  if (!principal || principal === '*') return false;
  const actions = asList(statement.Action);
  return asList(principal.Federated).includes(provider) && actions.some((a) => ['sts:AssumeRoleWithWebIdentity', 'sts:*', '*'].includes(a));
}

export function assumeRoleWithWebIdentity({ params, identities, world }: UnsignedContext): string {
  const requestedArn = requiredParam(params, 'RoleArn');
  const sessionName = nameParam(params, 'RoleSessionName', 2, 64);
  const durationSeconds = integerParam(params, 'DurationSeconds', 3600, 900, 43200);
  const claims = claimsOf(requiredParam(params, 'WebIdentityToken'));
  if (claims.exp * 1000 <= identities.now()) {
    throw new AwsError(400, 'ExpiredTokenException', 'Token expired: current date/time is after expiry.');
  }
  const found = findRoleByArn(world, requestedArn);
  const provider = found ? providerArn(found.account.id, claims.iss) : '';
  const statements = found?.role.trustPolicy.Statement ?? [];
  const allowed =
    statements.some((s) => s.Effect === 'Allow' && trusts(s, provider)) &&
    !statements.some((s) => s.Effect === 'Deny' && trusts(s, provider));
  if (!found || !allowed) {
    throw accessDenied(`arn:aws:sts::${found?.account.id ?? '000000000000'}:web-identity`, 'sts:AssumeRoleWithWebIdentity', requestedArn);
  }
  if (durationSeconds > (found.role.maxSessionDuration ?? 3600)) {
    throw new AwsError(400, 'ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  const { account, role } = found;
  const arnOfRole = formatRoleArn(account.id, role.name, role.path);
  const session = identities.issueSession({
    kind: 'assumed-role',
    expiresAtMs: identities.now() + durationSeconds * 1000,
    account: account.id,
    arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${sessionName}`,
    userId: `${uniqueId('AROA', arnOfRole)}:${sessionName}`,
    role: { arn: arnOfRole, role },
    sessionName,
    mfa: false,
    chained: false,
  });
  return [
    credentialsXml(session),
    leaf('SubjectFromWebIdentityToken', claims.sub),
    el('AssumedRoleUser', leaf('Arn', session.arn), leaf('AssumedRoleId', session.userId)),
    leaf('Provider', claims.iss),
    leaf('Audience', claims.aud),
  ].join('');
}

/** Actions STS takes without a signature. */
export const stsUnsignedActions: Record<string, (context: UnsignedContext) => string> = {
  AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
};
