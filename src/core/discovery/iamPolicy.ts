// IAM policy documents as IAM evaluates them for sts:AssumeRole: Allow/Deny, Action/NotAction,
// Resource/NotResource, policy variables, and `*`/`?` wildcards with IAM's ARN segment rules (arnGlob.ts). Pure
// functions over policy text, so the rules are tested without a server; roleDiscovery.ts feeds them the policies
// it read. Permission boundaries, SCPs and the roles' trust policies are not read: the result is what the
// identity policies allow, not a promise that AssumeRole succeeds.
import { isAccountId, tryParseRoleArn } from '../aws/arn';
import { cancelled, UserError } from '../userError';
import {
  type Meter,
  type Steps,
  arnGlob,
  coverSteps,
  covers,
  intersectSteps,
  intersects,
  literal,
  plainGlob,
  run,
  segmentGlob,
} from './arnGlob';

export interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  sid?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  /** Conditions are not evaluated (they depend on the request); a statement with any is marked conditional. */
  conditional: boolean;
  /** Policy variables (`${aws:username}`) are read only in documents of version 2012-10-17; elsewhere they are text. */
  variables: boolean;
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
  const variables = (document as { Version?: unknown }).Version === '2012-10-17';
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
      variables,
    });
  }
  return parsed;
}

/** Action names match case-insensitively, with wildcards: `sts:*`, `sts:Assume*`, `*`. */
function actionMatches(pattern: string, action: string): boolean {
  return covers(plainGlob(pattern.toLowerCase()), literal(action.toLowerCase()));
}

function coversAssumeRole(statement: PolicyStatement): boolean {
  if (statement.notActions) return !statement.notActions.some((a) => actionMatches(a, ASSUME_ROLE));
  return (statement.actions ?? []).some((a) => actionMatches(a, ASSUME_ROLE));
}

// --- Resource patterns ---------------------------------------------------------------------------------------

/** `*` alone means every ARN; otherwise six segments, the last keeping any further colons. */
function segments(arn: string): string[] | undefined {
  if (arn === '*') return ['*', '*', '*', '*', '*', '*'];
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** Every role ARN `inner` names is also named by `outer`. */
export function resourceCovers(outer: string, inner: string): boolean {
  return covers(arnGlob(outer), arnGlob(inner));
}

/** Some role ARN is named by both. */
export function resourcesOverlap(a: string, b: string): boolean {
  return intersects(arnGlob(a), arnGlob(b));
}

export function resourceMatches(pattern: string, arn: string): boolean {
  return covers(arnGlob(pattern), literal(arn));
}

/** Role ARNs: no wildcard of this shape crosses a colon (the partition, account and name hold none). */
const ANY_ROLE = segmentGlob('arn:*:iam::*:role/*');

const hasWildcard = (resource: string): boolean => /[*?]/.test(resource);

// --- Policy variables --------------------------------------------------------------------------------------------

/** Who calls: the values of the policy variables IAM sets for an IAM user's request. */
export interface Caller {
  /** The user's friendly name (aws:username). */
  userName: string;
  /** The user's unique id, `AIDA…` (aws:userid). */
  userId: string;
  accountId: string;
  /** The user's ARN (aws:PrincipalArn). */
  arn: string;
}

/**
 * The variables an IAM user's AssumeRole request has before it is made, by lower-case name (IAM reads names
 * case-insensitively). IAM User Guide, "IAM policy elements: Variables and tags", "Request information that you can
 * use for policy variables": for an IAM user, aws:username, aws:userid and aws:PrincipalType; the global keys
 * aws:PrincipalAccount and aws:PrincipalArn are in every request. Others (tags, source IP, time) depend on the
 * request or on data not read here.
 */
function variableValues(caller: Caller): Record<string, string> {
  return {
    'aws:username': caller.userName,
    'aws:userid': caller.userId,
    'aws:principaltype': 'User',
    'aws:principalaccount': caller.accountId,
    'aws:principalarn': caller.arn,
  };
}

type Substituted = { resource: string; unknown?: undefined } | { resource?: undefined; unknown: string };

/**
 * The resource with its policy variables replaced for `caller`. `${*}`, `${?}` and `${$}` are the characters
 * themselves (here `*` and `?` become `\x00`, a character no ARN holds, so they match nothing but themselves);
 * `${key, 'default'}` takes the default when the key has no value. A variable with no value: `unknown` names it.
 */
function substituteVariables(resource: string, caller: Caller | undefined): Substituted {
  const values = caller ? variableValues(caller) : {};
  let unknown: string | undefined;
  const replaced = resource.replace(/\$\{([^}]*)\}/g, (whole, body: string) => {
    const special = { '*': '\u0000', '?': '\u0000', $: '$' }[body.trim()];
    if (special) return special;
    const parsed = /^\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$/.exec(body);
    const value = parsed ? (values[parsed[1].toLowerCase()] ?? parsed[2]) : undefined;
    if (value === undefined) unknown ??= parsed?.[1] ?? whole;
    return value ?? whole;
  });
  return unknown === undefined ? { resource: replaced } : { unknown };
}

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
interface DenyNote {
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
  /** The role ARN or the pattern, as the policy wrote it with its variables filled in (`*` for NotResource allows). */
  resource: string;
  /** The policy's text when it had variables (`arn:aws:iam::*:role/${aws:username}-dev`). */
  written?: string;
  /** Every policy that allows it. */
  origins: PolicyOrigin[];
  /** Each allowing statement has conditions (MFA, source IP, …), so it works only when they hold. */
  conditional: boolean;
  /** For NotResource allows: the resources the allow leaves out. */
  excluded: string[];
  /** Denies that take away part of it. */
  denies: DenyNote[];
}

/** An allowed resource that is not offered, and why. */
interface NotOffered {
  /** As the policy wrote it. */
  resource: string;
  origin: PolicyOrigin;
  /** `it uses ${aws:SourceIp}, which is known only when the request is made`, `it is not a role ARN`. */
  reason: string;
}

export interface AssumableRoles {
  /** Role ARNs first (sorted), then patterns. */
  candidates: RoleCandidate[];
  /** Allowed somewhere, but a Deny (without conditions) takes all of it away. */
  denied: RoleCandidate[];
  /** Allowed resources that cannot be offered: unknown policy variables, exact resources that are no role ARN. */
  notOffered: NotOffered[];
}

/**
 * The work allowed for comparing Allows with Denies (automaton steps, see arnGlob.ts). Real policies need well
 * under a million; a user with every policy at AWS's size limits, all wildcards, could ask for 10^11. A few
 * seconds of work, done in slices.
 */
const WORK_BUDGET = 100_000_000;
/** Steps between two yields to the event loop, when evaluated with evaluateAssumableRoles (a few milliseconds). */
const SLICE = 1_000_000;

class WorkMeter implements Meter {
  private spent = 0;
  private sinceYield = 0;
  constructor(private readonly budget: number) {}
  spend(steps: number): void {
    this.spent += steps;
    this.sinceYield += steps;
    if (this.spent > this.budget) {
      throw new UserError(
        'These policies are too large and wildcard-heavy to compare their Allow and Deny statements here: read them in the IAM console, or add roles by ARN.',
        'PolicyTooComplex',
      );
    }
  }
  /** True once a slice of work was done since the last time it said so. */
  due(): boolean {
    if (this.sinceYield < SLICE) return false;
    this.sinceYield = 0;
    return true;
  }
}

/** One evaluation: who calls, the work done, and comparisons already made (policies repeat resources). */
interface Evaluation {
  caller?: Caller;
  meter: WorkMeter;
  known: Map<string, boolean>;
}

function* compare(e: Evaluation, how: 'covers' | 'overlaps', a: string, b: string): Steps<boolean> {
  const key = `${how}\u0000${a}\u0000${b}`;
  let result = e.known.get(key);
  if (result === undefined) {
    const [ga, gb] = [arnGlob(a), arnGlob(b)];
    result = how === 'covers' ? yield* coverSteps(ga, gb, e.meter) : yield* intersectSteps(ga, gb, e.meter);
    e.known.set(key, result);
  }
  return result;
}

/** A resource with the caller's variables filled in; a variable without value becomes `*` (so `approximate`). */
function approximately(e: Evaluation, resource: string, s: PolicyStatement): { resource: string; approximate: boolean } {
  if (!s.variables) return { resource, approximate: false };
  let approximate = false;
  const filled = resource.replace(/\$\{[^}]*\}/g, (variable) => {
    const one = substituteVariables(variable, e.caller);
    approximate ||= one.unknown !== undefined;
    return one.resource ?? '*';
  });
  return { resource: filled, approximate };
}

interface Allow {
  resource: string;
  written?: string;
  origin: PolicyOrigin;
  conditional: boolean;
  excluded: string[];
}

function* allowsOf(e: Evaluation, policies: SourcedPolicy[], notOffered: NotOffered[]): Steps<Allow[]> {
  const allows: Allow[] = [];
  for (const { origin, statements } of policies) {
    for (const s of statements) {
      if (s.effect !== 'Allow' || !coversAssumeRole(s)) continue;
      if (s.notResources) {
        // Left out: a variable without value may name anything, so it leaves out more rather than less.
        const excluded = s.notResources.map((r) => approximately(e, r, s).resource);
        allows.push({ resource: '*', origin, conditional: s.conditional, excluded });
        continue;
      }
      for (const written of s.resources ?? []) {
        const allow = yield* allowOf(e, written, s, origin, notOffered);
        if (allow) allows.push(allow);
      }
    }
  }
  return allows;
}

/** The candidate an Allow's resource makes, or undefined (with a reason in notOffered when one should know). */
function* allowOf(
  e: Evaluation,
  written: string,
  s: PolicyStatement,
  origin: PolicyOrigin,
  notOffered: NotOffered[],
): Steps<Allow | undefined> {
  const namesRole = (resource: string) => intersectSteps(arnGlob(resource), ANY_ROLE, e.meter);
  const substituted = s.variables ? substituteVariables(written, e.caller) : { resource: written };
  if (substituted.unknown !== undefined) {
    if (yield* namesRole(written.replace(/\$\{[^}]*\}/g, '*'))) {
      notOffered.push({
        resource: written,
        origin,
        reason: `it uses \${${substituted.unknown}}, which has no value before the request is made`,
      });
    }
    return undefined;
  }
  const resource = substituted.resource!;
  if (!(yield* namesRole(resource))) return undefined;
  // An exact resource becomes a profile as it is: only a well-formed role ARN may (never a newline or a `[`).
  if (!hasWildcard(resource) && !tryParseRoleArn(resource)) {
    notOffered.push({ resource: written, origin, reason: 'it is not a role ARN' });
    return undefined;
  }
  return { resource, written: resource === written ? undefined : written, origin, conditional: s.conditional, excluded: [] };
}

/** What a Deny with NotResource takes away from `resource`: it denies everything except the listed. */
function* notResourceCoverage(e: Evaluation, notResources: string[], resource: string): Steps<'all' | 'part' | undefined> {
  for (const r of notResources) if (yield* compare(e, 'covers', r, resource)) return undefined;
  for (const r of notResources) if (yield* compare(e, 'overlaps', r, resource)) return 'part';
  return 'all';
}

function* denyNotes(e: Evaluation, policies: SourcedPolicy[], resource: string): Steps<DenyNote[]> {
  const notes: DenyNote[] = [];
  for (const { origin, statements } of policies) {
    for (const s of statements) {
      if (s.effect !== 'Deny' || !coversAssumeRole(s)) continue;
      if (s.notResources) {
        const except = s.notResources.map((r) => approximately(e, r, s));
        const conditional = s.conditional || except.some((r) => r.approximate);
        const covers = yield* notResourceCoverage(
          e,
          except.map((r) => r.resource),
          resource,
        );
        if (covers) notes.push({ resource: '*', except: s.notResources, origin, covers, conditional });
        continue;
      }
      for (const written of s.resources ?? []) {
        // A variable without value may or may not name the role: such a Deny applies to some requests only.
        const denied = approximately(e, written, s);
        const conditional = s.conditional || denied.approximate;
        if (yield* compare(e, 'covers', denied.resource, resource)) {
          notes.push({ resource: denied.resource, origin, covers: 'all', conditional });
        } else if (yield* compare(e, 'overlaps', denied.resource, resource)) {
          notes.push({ resource: denied.resource, origin, covers: 'part', conditional });
        }
      }
    }
  }
  return notes;
}

function* evaluate(policies: SourcedPolicy[], e: Evaluation): Steps<AssumableRoles> {
  const byResource = new Map<string, RoleCandidate>();
  const notOffered: NotOffered[] = [];
  for (const allow of yield* allowsOf(e, policies, notOffered)) {
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
      ...(allow.written ? { written: allow.written } : {}),
      origins: [allow.origin],
      conditional: allow.conditional,
      excluded: allow.excluded,
      denies: yield* denyNotes(e, policies, allow.resource),
    });
  }
  const all = [...byResource.values()].sort(
    (a, b) =>
      Number(a.kind === 'pattern') - Number(b.kind === 'pattern') || (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0),
  );
  const fullyDenied = (c: RoleCandidate) => c.denies.some((d) => d.covers === 'all' && !d.conditional);
  return { candidates: all.filter((c) => !fullyDenied(c)), denied: all.filter(fullyDenied), notOffered };
}

/**
 * The roles the policies let their holder (`caller`, for policy variables) assume, as IAM decides: an explicit Deny
 * wins over any Allow. Each allowed resource becomes one candidate (merged across policies); one that a Deny
 * without conditions takes away entirely is listed as denied instead. Runs to the end in one go: for policies
 * read from a server use evaluateAssumableRoles, which lets the event loop run.
 */
export function assumableRoles(policies: SourcedPolicy[], caller?: Caller, budget = WORK_BUDGET): AssumableRoles {
  return run(evaluate(policies, { caller, meter: new WorkMeter(budget), known: new Map() }));
}

/** assumableRoles, yielding to the event loop between slices of work (terminals keep getting credentials). */
export async function evaluateAssumableRoles(
  policies: SourcedPolicy[],
  caller: Caller,
  signal?: AbortSignal,
  budget = WORK_BUDGET,
): Promise<AssumableRoles> {
  const steps = evaluate(policies, { caller, meter: new WorkMeter(budget), known: new Map() });
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw cancelled();
  }
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
  if (!isAccountId(account)) return { problem: `'${account}' is not a 12-digit AWS account id: enter the account's id.` };
  const [, partitionPart, , , , resourcePart] = segments(candidate.resource) ?? segments('*')!;
  const literalName = resourcePart.startsWith('role/') && !hasWildcard(resourcePart) ? resourcePart.slice('role/'.length) : undefined;
  const name = (roleName ?? '').trim().replace(/^\/+/, '') || literalName;
  if (!name) return { problem: `${candidate.resource} leaves the role name open: enter the name of the role in account ${account}.` };
  if (!/^([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/.test(name)) {
    return { problem: `'${name}' is not an IAM role name: use letters, digits and + = , . @ _ - only.` };
  }
  const partition = hasWildcard(partitionPart) ? 'aws' : partitionPart;
  const arn = `arn:${partition}:iam::${account}:role/${name}`;
  // The partition comes from the policy's text: only a well-formed role ARN may be offered (and so written).
  if (!tryParseRoleArn(arn)) return { problem: `${candidate.resource} does not name roles of a partition this extension knows.` };
  const refusal = refusalOf(candidate, arn);
  return refusal ? { problem: `${refusal}: pick another account or role name.` } : { arn };
}
