// Evaluates a role's trust policy for sts:AssumeRole the way IAM does for the cases the world uses: AWS
// principals (account id, account root, user, role, "*"), Allow/Deny, and the MFA and external-id conditions.
import type { PolicyStatement, PolicyDocument } from './world';

export interface TrustRequest {
  /** The caller's account id. */
  account: string;
  /** ARNs that name the caller: the user ARN, or the role ARN and the assumed-role session ARN. */
  principalArns: string[];
  /** Federated users and service callers are never matched by AWS principals. */
  isPerson: boolean;
  mfa: boolean;
  externalId?: string;
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * How a statement names the caller: `direct` when it names the caller's own ARN (user, role or session), `account`
 * when it names the caller's account or everyone ("*"), which leaves the decision to the caller's own policies.
 */
export type TrustGrant = 'direct' | 'account';

function principalMatch(statement: PolicyStatement, request: TrustRequest): TrustGrant | undefined {
  const principal = statement.Principal;
  if (principal === '*') return request.isPerson ? 'account' : undefined;
  if (!principal || !request.isPerson) return undefined;
  const entries = asList(principal.AWS);
  if (entries.some((entry) => request.principalArns.includes(entry))) return 'direct';
  const account = entries.some((e) => e === '*' || e === request.account || e === `arn:aws:iam::${request.account}:root`);
  return account ? 'account' : undefined;
}

/** The trust policy is asked once per action: sts:AssumeRole, and sts:SetSourceIdentity / sts:TagSession when used. */
export type TrustAction = 'sts:AssumeRole' | 'sts:SetSourceIdentity' | 'sts:TagSession';

function actionMatches(statement: PolicyStatement, action: TrustAction): boolean {
  return asList(statement.Action).some((a) => [action, 'sts:*', '*'].includes(a));
}

function contextValue(key: string, request: TrustRequest): string | undefined {
  switch (key.toLowerCase()) {
    case 'aws:multifactorauthpresent':
      return String(request.mfa);
    case 'sts:externalid':
      return request.externalId;
    default:
      return undefined;
  }
}

/** Unknown operators or keys never match: a faithful "deny unless sure" rather than an accidental allow. */
function conditionsHold(statement: PolicyStatement, request: TrustRequest): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, entries]) =>
    Object.entries(entries).every(([key, expected]) => {
      const actual = contextValue(key, request);
      if (actual === undefined) return false;
      if (operator === 'Bool') return asList(expected).some((e) => e.toLowerCase() === actual);
      if (operator === 'StringEquals') return asList(expected).includes(actual);
      return false;
    }),
  );
}

/** Whether the trust policy lets the caller in, and how it named the caller (a direct name wins over the account). */
export function trustGrant(policy: PolicyDocument, request: TrustRequest, action: TrustAction = 'sts:AssumeRole'): TrustGrant | undefined {
  const match = (s: PolicyStatement): TrustGrant | undefined =>
    actionMatches(s, action) && conditionsHold(s, request) ? principalMatch(s, request) : undefined;
  const statements = policy.Statement ?? [];
  if (statements.some((s) => s.Effect === 'Deny' && match(s) !== undefined)) return undefined;
  const grants = statements.filter((s) => s.Effect === 'Allow').map(match);
  return grants.includes('direct') ? 'direct' : grants.includes('account') ? 'account' : undefined;
}
