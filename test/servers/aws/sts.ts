// STS actions: AssumeRole (trust policy, MFA, external id, durations, chaining), GetCallerIdentity,
// GetSessionToken and GetFederationToken.
import { type ActionContext, type ActionHandler, integerParam, listParam, nameParam, requiredParam } from './actions';
import { AwsError, accessDenied, constraintError, mfaFailed, validationError } from './errors';
import { type Caller, type Identities, type SessionRecord, callerAccount, callerArn, callerUser } from './identities';
import { verifyTotp } from './totp';
import { deflateRawSync } from 'node:zlib';
import { callerPolicies, callerSessionPolicies, mfaPresent } from './iam';
import { evaluate } from './policy';
import { type TrustAction, type TrustGrant, type TrustRequest, trustGrant } from './trust';
import {
  type PolicyDocument,
  type PolicyStatement,
  type World,
  findManagedPolicy,
  findRoleByArn,
  roleArn as formatRoleArn,
  uniqueId,
} from './world';
import { el, isoSeconds, leaf } from './xml';

const CHAIN_LIMIT_SECONDS = 3600;

export function credentialsXml(session: SessionRecord): string {
  return el(
    'Credentials',
    leaf('AccessKeyId', session.accessKeyId),
    leaf('SecretAccessKey', session.secretAccessKey),
    leaf('SessionToken', session.sessionToken),
    leaf('Expiration', isoSeconds(session.expiresAtMs)),
  );
}

/** Virtual MFA devices run on wall-clock time even when a test has moved the server's clock forward. */
function checkMfaCode(identities: Identities, caller: Caller, serialNumber: string | null, tokenCode: string | null): void {
  const device = callerUser(caller)?.mfaDevices.find((d) => d.serialNumber === serialNumber);
  if (!device) {
    throw new AwsError(
      403,
      'AccessDenied',
      'MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.',
    );
  }
  const code = tokenCode ?? '';
  if (!verifyTotp(device.totpSecret, code, Date.now()) && !verifyTotp(device.totpSecret, code, identities.now())) throw mfaFailed();
}

function callerMfa(caller: Caller): boolean {
  return caller.kind === 'session' && caller.session.mfa;
}

function trustRequest(caller: Caller, mfa: boolean, externalId: string | undefined): TrustRequest {
  if (caller.kind === 'user') return { account: caller.user.account, principalArns: [caller.user.arn], isPerson: true, mfa, externalId };
  const session = caller.session;
  const principalArns = [session.arn];
  if (session.role) principalArns.push(session.role.arn);
  return { account: session.account, principalArns, isPerson: session.kind !== 'federated-user', mfa, externalId };
}

/** "You can provide up to 10 managed policy ARNs" (botocore sts 2011-06-15, AssumeRoleRequest.PolicyArns). */
const MAX_POLICY_ARNS = 10;
/** "The plaintext that you use for both inline and managed session policies can't exceed 2,048 characters." (ibid., Policy) */
const MAX_POLICY_CHARS = 2048;
/** Session tags: "You can pass up to 50 session tags" (ibid., Tags; tagListType max 50). */
const MAX_TAGS = 50;
/**
 * What 100 % of the packed space is here. AWS compresses the inline policy, the policy ARNs and the tags into a
 * packed binary form with "a separate limit" it does not publish; deflate against 1 KB behaves alike: a managed ARN
 * takes a few per cent, a 2,048-character policy of ordinary statements about half, one of random text too much.
 */
const PACKED_LIMIT_BYTES = 1024;

interface SessionPolicies {
  /** undefined when the request passed no session policy: then nothing narrows the session. */
  documents?: PolicyDocument[];
  packedPercent?: number;
}

function parseSessionPolicy(text: string): PolicyDocument {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new AwsError(400, 'MalformedPolicyDocument', 'The policy is not in the valid JSON format.');
  }
  const statement = (document as { Statement?: unknown } | null)?.Statement;
  if (typeof statement !== 'object' || statement === null) {
    throw new AwsError(400, 'MalformedPolicyDocument', 'Syntax errors in policy.');
  }
  return { ...(document as PolicyDocument), Statement: Array.isArray(statement) ? statement : [statement as PolicyStatement] };
}

/**
 * Policy, PolicyArns and Tags, checked as AWS checks them: the botocore model's codes (ValidationError for the
 * constraints, MalformedPolicyDocument and PackedPolicyTooLarge, all HTTP 400), and AWS's wording for the packed
 * size ("Packed policy consumes 112% of allotted space, please use smaller policy."). A managed policy ARN the
 * world does not know grants nothing (the session can then do nothing), as an intersection with no Allow.
 */
function sessionPolicies(params: URLSearchParams, world: World): SessionPolicies {
  const policy = params.get('Policy');
  const arns = listParam(params, 'PolicyArns').map((item) => item.arn ?? '');
  const tags = listParam(params, 'Tags');
  if (arns.length > MAX_POLICY_ARNS) {
    throw constraintError(`[${arns.join(', ')}]`, 'policyArns', `Member must have length less than or equal to ${MAX_POLICY_ARNS}`);
  }
  for (const arn of arns) {
    if (arn.length < 20) throw constraintError(arn, 'policyArns.member.arn', 'Member must have length greater than or equal to 20');
  }
  if (tags.length > MAX_TAGS) throw constraintError(undefined, 'tags', `Member must have length less than or equal to ${MAX_TAGS}`);
  if (policy !== null && policy.length > MAX_POLICY_CHARS) {
    throw constraintError(policy, 'policy', `Member must have length less than or equal to ${MAX_POLICY_CHARS}`);
  }
  const inline = policy === null ? [] : [parseSessionPolicy(policy)];
  const packedText = [JSON.stringify(inline[0] ?? ''), ...arns, ...tags.map((t) => `${t.Key}=${t.Value}`)].join('\n');
  const used = policy !== null || arns.length > 0 || tags.length > 0;
  const packedPercent = used ? Math.ceil((deflateRawSync(packedText).length * 100) / PACKED_LIMIT_BYTES) : undefined;
  if (packedPercent !== undefined && packedPercent > 100) {
    throw new AwsError(
      400,
      'PackedPolicyTooLarge',
      `Packed policy consumes ${packedPercent}% of allotted space, please use smaller policy.`,
    );
  }
  if (policy === null && arns.length === 0) return { packedPercent };
  const managed = arns.map((arn) => findManagedPolicy(world, arn)?.document ?? { Statement: [] });
  return { documents: [...inline, ...managed], packedPercent };
}

function roleArnParam(params: URLSearchParams): string {
  const value = requiredParam(params, 'RoleArn');
  if (value.length < 20) throw constraintError(value, 'roleArn', 'Member must have length greater than or equal to 20');
  if (!/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(value)) {
    throw constraintError(value, 'roleArn', 'Member must satisfy regular expression pattern: arn:aws:iam::\\d{12}:role/[\\w+=,.@/-]+');
  }
  return value;
}

/**
 * The caller's own side of sts:AssumeRole, as IAM decides it (IAM User Guide, "Cross-account policy evaluation
 * logic": across accounts both the identity-based policy and the trust policy must allow; "How AWS enforcement code
 * logic evaluates requests to allow or deny access": an explicit Deny in any policy wins, and within one account a
 * trust policy that names the principal's own ARN grants directly, while one that names the account leaves the
 * decision to the principal's identity-based policies). Identity policies are the user's inline, group and managed
 * policies, or the assumed role's.
 */
function callerMayAssume(context: ActionContext, roleArn: string, roleAccount: string, grant: TrustGrant): boolean {
  const { caller } = context;
  const usesUserKeys = caller.kind === 'user' || caller.session.kind === 'session-token';
  const userName = usesUserKeys ? callerUser(caller)?.name : undefined;
  const request = { action: 'sts:AssumeRole', resource: roleArn, userName, mfa: mfaPresent(context) };
  const decision = evaluate(callerPolicies(context), request);
  if (decision === 'explicitDeny') return false;
  // A caller's own session policies narrow its chaining too: an agent's read-only session assumes nothing.
  const session = callerSessionPolicies(context);
  if (session && evaluate(session, request) !== 'allow') return false;
  const sameAccount = callerAccount(caller) === roleAccount;
  return decision === 'allow' || (sameAccount && grant === 'direct');
}

/**
 * SourceIdentity (IAM User Guide, "Monitor and control actions taken with assumed roles"): 2-64 characters of
 * [\w+=,.@-], set only when the role's trust policy allows sts:SetSourceIdentity, and once set it stays with every
 * session chained from it and cannot be changed there. AWS refuses with its usual AccessDenied (403) naming
 * sts:SetSourceIdentity; each role of a chain that carries one must trust sts:SetSourceIdentity too.
 */
function sourceIdentityFor(context: ActionContext, roleArn: string, trust: (action: TrustAction) => boolean): string | undefined {
  const { caller, params } = context;
  const requested = params.has('SourceIdentity') ? nameParam(params, 'SourceIdentity', 2, 64) : undefined;
  const inherited = caller.kind === 'session' ? caller.session.sourceIdentity : undefined;
  const value = inherited ?? requested;
  if (value === undefined) return undefined;
  const changed = inherited !== undefined && requested !== undefined && requested !== inherited;
  if (changed || !trust('sts:SetSourceIdentity')) throw accessDenied(callerArn(caller), 'sts:SetSourceIdentity', roleArn);
  return value;
}

const assumeRole: ActionHandler = (context) => {
  const { caller, params, identities, world } = context;
  const requestedArn = roleArnParam(params);
  const sessionName = nameParam(params, 'RoleSessionName', 2, 64);
  const durationSeconds = integerParam(params, 'DurationSeconds', 3600, 900, 43200);
  const policies = sessionPolicies(params, world);
  let mfa = callerMfa(caller);
  if (params.has('SerialNumber') || params.has('TokenCode')) {
    checkMfaCode(identities, caller, params.get('SerialNumber'), params.get('TokenCode'));
    mfa = true;
  }
  const found = findRoleByArn(world, requestedArn);
  const externalId = params.get('ExternalId') ?? undefined;
  const grant = found && trustGrant(found.role.trustPolicy, trustRequest(caller, mfa, externalId));
  const canonicalArn = found ? formatRoleArn(found.account.id, found.role.name, found.role.path) : requestedArn;
  if (!found || !grant || !callerMayAssume(context, canonicalArn, found.account.id, grant)) {
    throw accessDenied(callerArn(caller), 'sts:AssumeRole', requestedArn);
  }
  const request = trustRequest(caller, mfa, externalId);
  const trusts = (action: TrustAction) => trustGrant(found.role.trustPolicy, request, action) !== undefined;
  const sourceIdentity = sourceIdentityFor(context, requestedArn, trusts);
  const tags = listParam(params, 'Tags').map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
  if (tags.length > 0 && !trusts('sts:TagSession')) throw accessDenied(callerArn(caller), 'sts:TagSession', requestedArn);
  const chained = caller.kind === 'session' && caller.session.kind === 'assumed-role';
  if (chained && durationSeconds > CHAIN_LIMIT_SECONDS) {
    throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (durationSeconds > (found.role.maxSessionDuration ?? 3600)) {
    throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  const { account, role } = found;
  const arnOfRole = formatRoleArn(account.id, role.name, role.path);
  const session = identities.issueSession({
    kind: 'assumed-role',
    expiresAtMs: identities.now() + durationSeconds * 1000,
    account: account.id,
    arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${sessionName}`,
    userId: `${uniqueId('AROA', arnOfRole)}:${sessionName}`,
    user: callerUser(caller),
    role: { arn: arnOfRole, role },
    sessionName,
    mfa,
    chained,
    sessionPolicies: policies.documents,
    sourceIdentity,
    tags: tags.length > 0 ? tags : undefined,
  });
  return [
    el('AssumedRoleUser', leaf('Arn', session.arn), leaf('AssumedRoleId', session.userId)),
    credentialsXml(session),
    leaf('PackedPolicySize', policies.packedPercent),
    leaf('SourceIdentity', sourceIdentity),
  ].join('');
};

const getCallerIdentity: ActionHandler = ({ caller }) => {
  const { arn, userId, account } = caller.kind === 'user' ? caller.user : caller.session;
  return leaf('UserId', userId) + leaf('Account', account) + leaf('Arn', arn);
};

/** GetSessionToken and GetFederationToken are for long-term IAM user keys only. */
function requireLongTermUser(caller: Caller, action: string) {
  if (caller.kind !== 'user') throw new AwsError(403, 'AccessDenied', `Cannot call ${action} with session credentials`);
  return caller.user;
}

const getSessionToken: ActionHandler = ({ caller, params, identities }) => {
  const user = requireLongTermUser(caller, 'GetSessionToken');
  const durationSeconds = integerParam(params, 'DurationSeconds', 43200, 900, 129600);
  const mfa = params.has('SerialNumber') || params.has('TokenCode');
  if (mfa) checkMfaCode(identities, caller, params.get('SerialNumber'), params.get('TokenCode'));
  const session = identities.issueSession({
    kind: 'session-token',
    expiresAtMs: identities.now() + durationSeconds * 1000,
    account: user.account,
    arn: user.arn,
    userId: user.userId,
    user,
    mfa,
    chained: false,
  });
  return credentialsXml(session);
};

const getFederationToken: ActionHandler = ({ caller, params, identities, world }) => {
  const user = requireLongTermUser(caller, 'GetFederationToken');
  const name = nameParam(params, 'Name', 2, 32);
  const durationSeconds = integerParam(params, 'DurationSeconds', 43200, 900, 129600);
  const policySize = sessionPolicies(params, world).packedPercent;
  const session = identities.issueSession({
    kind: 'federated-user',
    expiresAtMs: identities.now() + durationSeconds * 1000,
    account: user.account,
    arn: `arn:aws:sts::${user.account}:federated-user/${name}`,
    userId: `${user.account}:${name}`,
    user,
    mfa: false,
    chained: false,
  });
  return [
    credentialsXml(session),
    el('FederatedUser', leaf('FederatedUserId', session.userId), leaf('Arn', session.arn)),
    leaf('PackedPolicySize', policySize ?? 0),
  ].join('');
};

export const stsActions: Record<string, ActionHandler> = {
  AssumeRole: assumeRole,
  GetCallerIdentity: getCallerIdentity,
  GetSessionToken: getSessionToken,
  GetFederationToken: getFederationToken,
};
