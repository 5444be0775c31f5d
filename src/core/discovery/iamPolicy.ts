// IAM policy documents as IAM evaluates them for sts:AssumeRole: Allow/Deny, Action/NotAction,
// Resource/NotResource, and `*`/`?` wildcards matched per ARN segment. Pure functions over policy text, so the
// rules are tested without a server; roleDiscovery.ts feeds them the policies it read.

export interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  sid?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  /** Conditions are not evaluated (they depend on the request); a statement with any is marked conditional. */
  conditional: boolean;
}

const ASSUME_ROLE = 'sts:AssumeRole';

const asList = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');

/**
 * The statements of a policy document (the JSON text, already URL-decoded), or undefined when it is not a policy.
 * IAM allows `Statement` to be one object and every list to be a single string.
 */
export function parsePolicy(text: string): PolicyStatement[] | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return undefined;
  }
  const raw = (document as { Statement?: unknown } | null)?.Statement;
  if (raw === undefined) return undefined;
  const statements = Array.isArray(raw) ? raw : [raw];
  const parsed: PolicyStatement[] = [];
  for (const s of statements as Record<string, unknown>[]) {
    if (s?.Effect !== 'Allow' && s?.Effect !== 'Deny') return undefined;
    parsed.push({
      effect: s.Effect,
      sid: typeof s.Sid === 'string' ? s.Sid : undefined,
      actions: asList(s.Action),
      notActions: asList(s.NotAction),
      resources: asList(s.Resource),
      notResources: asList(s.NotResource),
      conditional: typeof s.Condition === 'object' && s.Condition !== null && Object.keys(s.Condition).length > 0,
    });
  }
  return parsed;
}

/** Action names match case-insensitively, with wildcards: `sts:*`, `sts:Assume*`, `*`. */
function actionMatches(pattern: string, action: string): boolean {
  return matchesGlob(pattern.toLowerCase(), action.toLowerCase());
}

export function coversAssumeRole(statement: PolicyStatement): boolean {
  if (statement.notActions) return !statement.notActions.some((a) => actionMatches(a, ASSUME_ROLE));
  return (statement.actions ?? []).some((a) => actionMatches(a, ASSUME_ROLE));
}

// --- Resource patterns, compared per ARN segment (arn:partition:service:region:account:resource) ----------------

const ALL_SEGMENTS = ['*', '*', '*', '*', '*', '*'];

/** `*` alone means every ARN; otherwise six segments, the last keeping any further colons. */
function segments(arn: string): string[] | undefined {
  if (arn === '*') return ALL_SEGMENTS;
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function bySegment(a: string, b: string, test: (x: string, y: string) => boolean): boolean {
  const [sa, sb] = [segments(a), segments(b)];
  return sa !== undefined && sb !== undefined && sa.every((segment, i) => test(segment, sb[i]));
}

/** Does glob `pattern` match the literal `text`? */
function matchesGlob(pattern: string, text: string): boolean {
  return globCovers(
    pattern,
    text.replace(/[*?]/g, (c) => `\\${c}`),
  );
}

/**
 * True when every string `inner` matches is matched by `outer` (both globs). Sound, not complete: `outer` must
 * absorb each wildcard of `inner` with a `*` of its own, which is how role patterns nest in practice.
 * A backslash in `inner` marks a literal `*` or `?`.
 */
function globCovers(outer: string, inner: string): boolean {
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (j === inner.length) {
      result = outer
        .slice(i)
        .split('')
        .every((c) => c === '*');
    } else if (i === outer.length) {
      result = false;
    } else {
      const o = outer[i];
      const escaped = inner[j] === '\\';
      const n = escaped ? inner[j + 1] : inner[j];
      const step = escaped ? 2 : 1;
      if (o === '*') {
        result = go(i + 1, j) || go(i, j + step);
      } else if (!escaped && n === '*') {
        result = false;
      } else if (o === '?') {
        result = go(i + 1, j + step);
      } else {
        result = !(!escaped && n === '?') && o === n && go(i + 1, j + step);
      }
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/** True when some string matches both globs. */
function globsIntersect(a: string, b: string): boolean {
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === '*') result = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === '*') result = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i === a.length || j === b.length) result = false;
    else result = (a[i] === '?' || b[j] === '?' || a[i] === b[j]) && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/** Every role ARN `inner` names is also named by `outer`. */
export function resourceCovers(outer: string, inner: string): boolean {
  return bySegment(outer, inner, globCovers);
}

/** Some role ARN is named by both. */
export function resourcesOverlap(a: string, b: string): boolean {
  return bySegment(a, b, globsIntersect);
}

export function resourceMatches(pattern: string, arn: string): boolean {
  return bySegment(pattern, arn, matchesGlob);
}

const ANY_ROLE = 'arn:*:iam::*:role/*';

/** Resource entries that can name a role at all (an S3 bucket ARN in the same statement cannot). */
export function canNameRole(resource: string): boolean {
  return resourcesOverlap(resource, ANY_ROLE);
}

export const hasWildcard = (resource: string): boolean => /[*?]/.test(resource);

// --- From policies to the roles they let a person assume ---------------------------------------------------------

/** Where a policy came from, as a person reads it. */
export interface PolicyOrigin {
  kind: 'userInline' | 'userManaged' | 'groupInline' | 'groupManaged';
  policyName: string;
  /** For managed policies. */
  policyArn?: string;
  /** For group policies. */
  group?: string;
  /** `inline policy GuardRails of user alice`, `managed policy ProdAccess of group ProdReaders`. */
  label: string;
}

export interface SourcedPolicy {
  origin: PolicyOrigin;
  statements: PolicyStatement[];
}

/** A Deny (or an Allow's NotResource) that takes away part or all of a candidate. */
export interface DenyNote {
  /** The denied resource pattern (`*` for a Deny with NotResource). */
  resource: string;
  /** For a Deny with NotResource: what it does not deny. */
  except?: string[];
  origin: PolicyOrigin;
  /** `all`: nothing of the candidate is left; `part`: some of the roles it names are denied. */
  covers: 'all' | 'part';
  /** The Deny has conditions, so it applies only to some requests. */
  conditional: boolean;
}

export interface RoleCandidate {
  /** `role`: one exact role ARN; `pattern`: wildcards the person completes (with an account id, a role name). */
  kind: 'role' | 'pattern';
  /** The role ARN or the pattern, as the policy wrote it (`*` for NotResource allows). */
  resource: string;
  /** Every policy that allows it. */
  origins: PolicyOrigin[];
  /** Each allowing statement has conditions (MFA, source IP, …), so it works only when they hold. */
  conditional: boolean;
  /** For NotResource allows: the resources the allow leaves out. */
  excluded: string[];
  /** Denies that take away part of it. */
  denies: DenyNote[];
}

export interface AssumableRoles {
  /** Role ARNs first (sorted), then patterns. */
  candidates: RoleCandidate[];
  /** Allowed somewhere, but a Deny (without conditions) takes all of it away. */
  denied: RoleCandidate[];
}

interface Allow {
  resource: string;
  origin: PolicyOrigin;
  conditional: boolean;
  excluded: string[];
}

function allowsOf(policies: SourcedPolicy[]): Allow[] {
  const allows: Allow[] = [];
  for (const { origin, statements } of policies) {
    for (const s of statements) {
      if (s.effect !== 'Allow' || !coversAssumeRole(s)) continue;
      if (s.notResources) {
        allows.push({ resource: '*', origin, conditional: s.conditional, excluded: s.notResources });
      } else {
        for (const resource of s.resources ?? []) {
          if (canNameRole(resource)) allows.push({ resource, origin, conditional: s.conditional, excluded: [] });
        }
      }
    }
  }
  return allows;
}

/** What a Deny with NotResource takes away from `resource`: it denies everything except the listed. */
function notResourceCoverage(notResources: string[], resource: string): 'all' | 'part' | undefined {
  if (notResources.some((r) => resourceCovers(r, resource))) return undefined;
  return notResources.some((r) => resourcesOverlap(r, resource)) ? 'part' : 'all';
}

function denyNotes(policies: SourcedPolicy[], resource: string): DenyNote[] {
  const notes: DenyNote[] = [];
  for (const { origin, statements } of policies) {
    for (const s of statements) {
      if (s.effect !== 'Deny' || !coversAssumeRole(s)) continue;
      const conditional = s.conditional;
      if (s.notResources) {
        const covers = notResourceCoverage(s.notResources, resource);
        if (covers) notes.push({ resource: '*', except: s.notResources, origin, covers, conditional });
        continue;
      }
      for (const denied of s.resources ?? []) {
        if (resourceCovers(denied, resource)) notes.push({ resource: denied, origin, covers: 'all', conditional });
        else if (resourcesOverlap(denied, resource)) notes.push({ resource: denied, origin, covers: 'part', conditional });
      }
    }
  }
  return notes;
}

/**
 * The roles the policies let their holder assume, as IAM decides: an explicit Deny wins over any Allow. Each
 * allowed resource becomes one candidate (merged across policies); one that a Deny without conditions takes
 * away entirely is listed as denied instead.
 */
export function assumableRoles(policies: SourcedPolicy[]): AssumableRoles {
  const byResource = new Map<string, RoleCandidate>();
  for (const allow of allowsOf(policies)) {
    const key = `${allow.resource}\n${allow.excluded.join('\n')}`;
    const existing = byResource.get(key);
    if (existing) {
      existing.origins.push(allow.origin);
      existing.conditional &&= allow.conditional;
      continue;
    }
    byResource.set(key, {
      kind: hasWildcard(allow.resource) ? 'pattern' : 'role',
      resource: allow.resource,
      origins: [allow.origin],
      conditional: allow.conditional,
      excluded: allow.excluded,
      denies: denyNotes(policies, allow.resource),
    });
  }
  const all = [...byResource.values()].sort(
    (a, b) =>
      Number(a.kind === 'pattern') - Number(b.kind === 'pattern') || (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0),
  );
  const fullyDenied = (c: RoleCandidate) => c.denies.some((d) => d.covers === 'all' && !d.conditional);
  return { candidates: all.filter((c) => !fullyDenied(c)), denied: all.filter(fullyDenied) };
}

/** Why a concrete ARN is not allowed by a candidate, or undefined when it is. */
export function refusalOf(candidate: RoleCandidate, arn: string): string | undefined {
  if (!resourceMatches(candidate.resource, arn)) return `${arn} does not match ${candidate.resource}`;
  const excluded = candidate.excluded.find((r) => resourceMatches(r, arn));
  if (excluded) return `${arn} is left out by NotResource ${excluded} in the ${candidate.origins[0].label}`;
  const deny = candidate.denies.find(
    (d) => !d.conditional && resourceMatches(d.resource, arn) && !(d.except ?? []).some((r) => resourceMatches(r, arn)),
  );
  return deny ? `${arn} is denied by the ${deny.origin.label}` : undefined;
}

/**
 * A role ARN from a pattern candidate and what the person typed: an account id, and a role name (with any path)
 * when the pattern's name has wildcards. Returns the sentence that says what is wrong instead when it does not fit.
 */
export function completePattern(candidate: RoleCandidate, accountId: string, roleName?: string): { arn: string } | { problem: string } {
  const account = accountId.trim();
  if (!/^\d{12}$/.test(account)) return { problem: `'${account}' is not a 12-digit AWS account id: enter the account's id.` };
  const [, partitionPart, , , , resourcePart] = segments(candidate.resource) ?? ALL_SEGMENTS;
  const literalName = resourcePart.startsWith('role/') && !hasWildcard(resourcePart) ? resourcePart.slice('role/'.length) : undefined;
  const name = (roleName ?? '').trim().replace(/^\/+/, '') || literalName;
  if (!name) return { problem: `${candidate.resource} leaves the role name open: enter the name of the role in account ${account}.` };
  if (!/^([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/.test(name)) {
    return { problem: `'${name}' is not an IAM role name: use letters, digits and + = , . @ _ - only.` };
  }
  const partition = hasWildcard(partitionPart) ? 'aws' : partitionPart;
  const arn = `arn:${partition}:iam::${account}:role/${name}`;
  const refusal = refusalOf(candidate, arn);
  return refusal ? { problem: `${refusal}: pick another account or role name.` } : { arn };
}
