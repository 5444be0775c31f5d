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

function principalMatches(statement: PolicyStatement, request: TrustRequest): boolean {
  const principal = statement.Principal;
  if (principal === '*') return request.isPerson;
  if (!principal || !request.isPerson) return false;
  return asList(principal.AWS).some((entry) => {
    if (entry === '*') return true;
    if (entry === request.account || entry === `arn:aws:iam::${request.account}:root`) return true;
    return request.principalArns.includes(entry);
  });
}

function actionMatches(statement: PolicyStatement): boolean {
  return asList(statement.Action).some((action) => ['sts:AssumeRole', 'sts:*', '*'].includes(action));
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

export function trustAllows(policy: PolicyDocument, request: TrustRequest): boolean {
  const applies = (s: PolicyStatement): boolean => actionMatches(s) && principalMatches(s, request) && conditionsHold(s, request);
  const statements = policy.Statement ?? [];
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && applies(s));
}
