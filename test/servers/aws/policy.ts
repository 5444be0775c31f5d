// Identity-based policy evaluation as IAM does it for the IAM read actions the server authorizes: an explicit
// Deny wins, then any Allow; Action/NotAction, Resource/NotResource, `*` and `?` wildcards matched per ARN
// segment, and the ${aws:username} variable. Of conditions only aws:MultiFactorAuthPresent is known, with the
// operators AWS's own "require MFA" examples use (Bool, BoolIfExists, Null); a statement with any other condition
// never matches, a faithful "deny unless sure" for Allow statements.
import type { PolicyDocument, PolicyStatement } from './world';

export type Decision = 'allow' | 'implicitDeny' | 'explicitDeny';

export interface PolicyRequest {
  action: string;
  resource: string;
  /** The caller's user name, for ${aws:username}; undefined for role sessions (the variable then never matches). */
  userName?: string;
  /**
   * aws:MultiFactorAuthPresent: absent (undefined) for a request signed with a long-term access key, true or false
   * for temporary credentials (IAM User Guide, "AWS global condition context keys": "If the request was made using
   * long-term credentials … the key is not present").
   */
  mfa?: boolean;
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function globRegex(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

function actionMatches(pattern: string, action: string): boolean {
  return globRegex(pattern, 'i').test(action);
}

/** ARNs compare segment by segment (arn:partition:service:region:account:resource), so `*` never spans a colon there. */
function resourceMatches(pattern: string, resource: string, userName: string | undefined): boolean {
  if (pattern.includes('${aws:username}')) {
    if (userName === undefined) return false;
    pattern = pattern.split('${aws:username}').join(userName);
  }
  if (pattern === '*') return true;
  const split = (arn: string) => {
    const parts = arn.split(':');
    return [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const [p, r] = [split(pattern), split(resource)];
  return p.length === r.length && p.every((segment, i) => globRegex(segment).test(r[i]));
}

/** One condition operator on aws:MultiFactorAuthPresent; anything else is not understood and fails. */
function conditionHolds(operator: string, key: string, expected: string | string[], request: PolicyRequest): boolean {
  if (key.toLowerCase() !== 'aws:multifactorauthpresent') return false;
  const values = asList(expected).map((v) => v.toLowerCase());
  const actual = request.mfa === undefined ? undefined : String(request.mfa);
  switch (operator) {
    case 'Bool':
      return actual !== undefined && values.includes(actual);
    case 'BoolIfExists':
      return actual === undefined || values.includes(actual);
    case 'Null':
      return values.includes(String(actual === undefined));
    default:
      return false;
  }
}

function conditionsHold(statement: PolicyStatement, request: PolicyRequest): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, entries]) =>
    Object.entries(entries).every(([key, expected]) => conditionHolds(operator, key, expected, request)),
  );
}

function statementApplies(statement: PolicyStatement, request: PolicyRequest): boolean {
  if (!conditionsHold(statement, request)) return false;
  const action =
    statement.NotAction !== undefined
      ? !asList(statement.NotAction).some((a) => actionMatches(a, request.action))
      : asList(statement.Action).some((a) => actionMatches(a, request.action));
  if (!action) return false;
  return statement.NotResource !== undefined
    ? !asList(statement.NotResource).some((r) => resourceMatches(r, request.resource, request.userName))
    : asList(statement.Resource).some((r) => resourceMatches(r, request.resource, request.userName));
}

export function evaluate(documents: PolicyDocument[], request: PolicyRequest): Decision {
  const statements = documents.flatMap((d) => (Array.isArray(d.Statement) ? d.Statement : [d.Statement as unknown as PolicyStatement]));
  if (statements.some((s) => s.Effect === 'Deny' && statementApplies(s, request))) return 'explicitDeny';
  return statements.some((s) => s.Effect === 'Allow' && statementApplies(s, request)) ? 'allow' : 'implicitDeny';
}
