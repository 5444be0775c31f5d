// STS actions: AssumeRole (trust policy, MFA, external id, durations, chaining), GetCallerIdentity,
// GetSessionToken and GetFederationToken.
import { type ActionContext, type ActionHandler, integerParam, listParam, nameParam, requiredParam } from './actions';
import { AwsError, accessDenied, constraintError, mfaFailed, validationError } from './errors';
import { type Caller, type Identities, type SessionRecord, callerAccount, callerArn, callerUser } from './identities';
import { verifyTotp } from './totp';
import { callerPolicies } from './iam';
import { evaluate } from './policy';
import { type TrustGrant, type TrustRequest, trustGrant } from './trust';
import { findRoleByArn, roleArn as formatRoleArn, uniqueId } from './world';
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

/** Policy, Tags and PolicyArns shrink the session; AWS reports how much of the packed limit they use. */
function packedPolicySize(params: URLSearchParams): number | undefined {
  const policy = params.get('Policy');
  if (policy !== null) {
    try {
      JSON.parse(policy);
    } catch {
      throw new AwsError(400, 'MalformedPolicyDocument', 'The policy is not in the valid JSON format.');
    }
  }
  const used = (policy?.length ?? 0) + listParam(params, 'Tags').length * 20 + listParam(params, 'PolicyArns').length * 30;
  return used > 0 ? Math.min(100, Math.ceil(used / 20)) : undefined;
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
  const decision = evaluate(callerPolicies(context), { action: 'sts:AssumeRole', resource: roleArn, userName });
  if (decision === 'explicitDeny') return false;
  const sameAccount = callerAccount(caller) === roleAccount;
  return decision === 'allow' || (sameAccount && grant === 'direct');
}

const assumeRole: ActionHandler = (context) => {
  const { caller, params, identities, world } = context;
  const requestedArn = roleArnParam(params);
  const sessionName = nameParam(params, 'RoleSessionName', 2, 64);
  const durationSeconds = integerParam(params, 'DurationSeconds', 3600, 900, 43200);
  const policySize = packedPolicySize(params);
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
  });
  return [
    el('AssumedRoleUser', leaf('Arn', session.arn), leaf('AssumedRoleId', session.userId)),
    credentialsXml(session),
    leaf('PackedPolicySize', policySize),
    leaf('SourceIdentity', params.get('SourceIdentity') ?? undefined),
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

const getFederationToken: ActionHandler = ({ caller, params, identities }) => {
  const user = requireLongTermUser(caller, 'GetFederationToken');
  const name = nameParam(params, 'Name', 2, 32);
  const durationSeconds = integerParam(params, 'DurationSeconds', 43200, 900, 129600);
  const policySize = packedPolicySize(params);
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
