// Identity-based policy evaluation as IAM does it for the IAM read actions the server authorizes: an explicit
// Deny wins, then any Allow; Action/NotAction, Resource/NotResource, `*` and `?` wildcards matched per ARN
// segment, and the ${aws:username} variable. Statements with conditions never match (no condition keys here).
import type { PolicyDocument, PolicyStatement } from './world';

export type Decision = 'allow' | 'implicitDeny' | 'explicitDeny';

export interface PolicyRequest {
  action: string;
  resource: string;
  /** The caller's user name, for ${aws:username}; undefined for role sessions (the variable then never matches). */
  userName?: string;
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

function statementApplies(statement: PolicyStatement, request: PolicyRequest): boolean {
  if (statement.Condition && Object.keys(statement.Condition).length > 0) return false;
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
