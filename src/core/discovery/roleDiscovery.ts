// Discover Roles: with an IAM user's own credentials, read the policies that apply to it (its inline and
// attached managed policies and those of its groups, every page) and turn their sts:AssumeRole statements into
// candidate roles. What the user may not read is skipped with one sentence naming the missing permission.
import { callerName, tryParseRoleArn } from '../aws/arn';
import type { AwsConfig } from '../aws/config';
import { toUserError } from '../aws/errors';
import { type AssumableRoles, type PolicyOrigin, type SourcedPolicy, evaluateAssumableRoles, parsePolicy } from './iamPolicy';
import type { AccountSetting } from '../catalog/roleCatalog';
import type { AwsCredentials } from '../session';
import { getCallerIdentity, type StsSettings } from '../sts/assumeRole';
import { cancelled, UserError } from '../userError';
import { deadlineSignals } from '../deadline';
import { accountNamesNote } from './accountNamesNote';

export interface DiscoveryOptions extends StsSettings {
  /**
   * IAM endpoint URL; undefined for AWS's. Organizations is called there too (the local test server serves STS,
   * IAM and Organizations on one URL).
   */
  iamEndpoint?: string;
  signal?: AbortSignal;
  /** Items per IAM list page; AWS's default (100) when unset. */
  pageSize?: number;
  /** What is called, never a secret. */
  log?: (line: string) => void;
}

/** Something the user may not read, and the sentence that says so. */
interface DiscoveryProblem {
  /** The IAM action that was denied, e.g. `iam:ListGroupPolicies`. */
  action: string;
  /** What could not be read: `the inline policies of group Devs`. */
  subject: string;
  /** `Could not read the inline policies of group Devs: your user lacks iam:ListGroupPolicies.` */
  message: string;
}

export interface Discovery extends AssumableRoles {
  user: { name: string; arn: string; accountId: string };
  /** Every policy read, with its origin (for "where did this come from"). */
  policies: PolicyOrigin[];
  problems: DiscoveryProblem[];
  /** One sentence for all problems, when there are any: the result may be incomplete. */
  summary?: string;
  /** Account names by id, from organizations:ListAccounts; empty when the user may not list the accounts. */
  accountNames: Record<string, string>;
  /** Why the accounts are not named, when they are not (never a problem: the roles are complete without names). */
  accountNamesNote?: string;
}

type Sdk = typeof import('./iamSdk');
type Client = InstanceType<Sdk['IAMClient']>;

interface Reader {
  sdk: Sdk;
  client: Client;
  options: DiscoveryOptions;
  signal: AbortSignal;
  deadline: AbortSignal;
  problems: DiscoveryProblem[];
  /** Managed policies by ARN: one attached to the user and to a group is read once. */
  managed: Map<string, Promise<string | undefined>>;
}

/** Discovers the roles an IAM user may assume. Throws UserError when the credentials are not an IAM user's. */
export async function discoverRoles(credentials: AwsCredentials, options: DiscoveryOptions): Promise<Discovery> {
  const caller = await getCallerIdentity(credentials, options, 'the source credentials');
  const name = /^arn:[a-z-]+:iam::\d{12}:user\//.test(caller.arn) ? callerName(caller.arn) : undefined;
  if (!name) {
    throw new UserError(
      `Discover Roles reads the policies of an IAM user, and ${caller.arn} is not one: run it on the profile that holds your IAM user's keys.`,
      'NotAnIamUser',
    );
  }
  const sdk = await import('./iamSdk');
  const { deadline, signal } = deadlineSignals(options.timeoutMs * 4, options.signal);
  const client = new sdk.IAMClient({
    region: options.region,
    endpoint: options.iamEndpoint || undefined,
    credentials,
    maxAttempts: 3,
    requestHandler: { requestTimeout: options.timeoutMs, connectionTimeout: options.timeoutMs },
  });
  const reader: Reader = {
    sdk,
    client,
    options,
    deadline,
    problems: [],
    managed: new Map(),
    signal,
  };
  try {
    const [names, ...read] = await Promise.all([
      accountNames(sdk, credentials, options, signal),
      userPolicies(reader, name),
      groupPolicies(reader, name),
    ]);
    const policies = read.flat();
    // In slices: a user's policies can hold megabytes of wildcards, and terminals must keep getting credentials.
    const roles = await evaluateAssumableRoles(
      policies,
      { userName: name, userId: caller.userId, accountId: caller.account, arn: caller.arn },
      options.signal,
    );
    // Reads run in parallel; a stable order keeps the messages in the same order every time.
    reader.problems.sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
    return {
      ...roles,
      user: { name, arn: caller.arn, accountId: caller.account },
      policies: policies.map((p) => p.origin),
      problems: reader.problems,
      summary: summarize(reader.problems),
      ...names,
    };
  } finally {
    client.destroy();
  }
}

/** Discovers the roles of the IAM user behind a profile of ~/.aws/config (its keys, read by the SDK). */
export async function discoverRolesForProfile(profile: string, config: AwsConfig, options: DiscoveryOptions): Promise<Discovery> {
  const sdk = await import('../sts/stsSdk');
  let credentials: AwsCredentials;
  try {
    // ignoreCache: the SDK bundle keeps its own copy of the ini files (the catalog's loader is another bundle), so
    // keys added since its first read would be missed.
    credentials = await sdk.fromIni({
      profile,
      configFilepath: config.files.configPath,
      filepath: config.files.credentialsPath,
      ignoreCache: true,
    })();
  } catch (error) {
    throw toUserError(error, { action: 'SourceCredentials', source: `profile ${profile}` });
  }
  return discoverRoles(credentials, options);
}

/**
 * Names the accounts when the user may list the organization's accounts (every page). Names are a nicety: any
 * refusal or failure leaves the accounts unnamed with a note, and never fails discovery; cancelling still does.
 */
async function accountNames(
  sdk: Sdk,
  credentials: AwsCredentials,
  options: DiscoveryOptions,
  signal: AbortSignal,
): Promise<Pick<Discovery, 'accountNames' | 'accountNamesNote'>> {
  const client = new sdk.OrganizationsClient({
    region: 'us-east-1', // Organizations is served from us-east-1 only
    endpoint: options.iamEndpoint || undefined,
    credentials,
    maxAttempts: 3,
    requestHandler: { requestTimeout: options.timeoutMs, connectionTimeout: options.timeoutMs },
  });
  const names: Record<string, string> = {};
  try {
    let NextToken: string | undefined;
    do {
      options.log?.('Organizations ListAccounts');
      const MaxResults = options.pageSize === undefined ? undefined : Math.min(options.pageSize, 20);
      const page = await client.send(new sdk.ListAccountsCommand({ NextToken, MaxResults }), { abortSignal: signal });
      for (const account of page.Accounts ?? []) if (account.Id && account.Name) names[account.Id] = account.Name;
      NextToken = page.NextToken;
    } while (NextToken);
    return { accountNames: names };
  } catch (error) {
    if (options.signal?.aborted) throw cancelled();
    const name = (error as { name?: string })?.name;
    options.log?.(`Organizations ListAccounts: ${name ?? 'Error'}`);
    return { accountNames: {}, accountNamesNote: accountNamesNote(name) };
  } finally {
    client.destroy();
  }
}

async function userPolicies(reader: Reader, user: string): Promise<SourcedPolicy[]> {
  const { sdk } = reader;
  const [inline, attached] = await Promise.all([
    read(reader, 'ListUserPolicies', `the inline policies of user ${user}`, (action) =>
      allPages(
        reader,
        action,
        (Marker, MaxItems) => (c, o) => c.send(new sdk.ListUserPoliciesCommand({ UserName: user, Marker, MaxItems }), o),
        (p) => p.PolicyNames,
      ),
    ),
    read(reader, 'ListAttachedUserPolicies', `the managed policies attached to user ${user}`, (action) =>
      allPages(
        reader,
        action,
        (Marker, MaxItems) => (c, o) => c.send(new sdk.ListAttachedUserPoliciesCommand({ UserName: user, Marker, MaxItems }), o),
        (p) => p.AttachedPolicies,
      ),
    ),
  ]);
  const inlinePolicies = (inline ?? []).map(async (policyName): Promise<SourcedPolicy | undefined> => {
    const label = `inline policy ${policyName} of user ${user}`;
    const answer = await read(reader, 'GetUserPolicy', `the ${label}`, (action) =>
      send(reader, action, (c, o) => c.send(new sdk.GetUserPolicyCommand({ UserName: user, PolicyName: policyName }), o)),
    );
    return sourced(reader, { kind: 'userInline', policyName, label }, answer?.PolicyDocument);
  });
  const managedPolicies = (attached ?? []).map((p) => managedPolicy(reader, p, 'userManaged', `user ${user}`));
  return present(await Promise.all([...inlinePolicies, ...managedPolicies]));
}

async function groupPolicies(reader: Reader, user: string): Promise<SourcedPolicy[]> {
  const { sdk } = reader;
  const groups = await read(reader, 'ListGroupsForUser', `the groups of user ${user}`, (action) =>
    allPages(
      reader,
      action,
      (Marker, MaxItems) => (c, o) => c.send(new sdk.ListGroupsForUserCommand({ UserName: user, Marker, MaxItems }), o),
      (p) => p.Groups,
    ),
  );
  const perGroup = (groups ?? []).map(async ({ GroupName: group }) => {
    if (!group) return [];
    const [inline, attached] = await Promise.all([
      read(reader, 'ListGroupPolicies', `the inline policies of group ${group}`, (action) =>
        allPages(
          reader,
          action,
          (Marker, MaxItems) => (c, o) => c.send(new sdk.ListGroupPoliciesCommand({ GroupName: group, Marker, MaxItems }), o),
          (p) => p.PolicyNames,
        ),
      ),
      read(reader, 'ListAttachedGroupPolicies', `the managed policies attached to group ${group}`, (action) =>
        allPages(
          reader,
          action,
          (Marker, MaxItems) => (c, o) => c.send(new sdk.ListAttachedGroupPoliciesCommand({ GroupName: group, Marker, MaxItems }), o),
          (p) => p.AttachedPolicies,
        ),
      ),
    ]);
    const inlinePolicies = (inline ?? []).map(async (policyName) => {
      const label = `inline policy ${policyName} of group ${group}`;
      const answer = await read(reader, 'GetGroupPolicy', `the ${label}`, (action) =>
        send(reader, action, (c, o) => c.send(new sdk.GetGroupPolicyCommand({ GroupName: group, PolicyName: policyName }), o)),
      );
      return sourced(reader, { kind: 'groupInline', policyName, group, label }, answer?.PolicyDocument);
    });
    const managedPolicies = (attached ?? []).map((p) => managedPolicy(reader, p, 'groupManaged', `group ${group}`, group));
    return present(await Promise.all([...inlinePolicies, ...managedPolicies]));
  });
  return (await Promise.all(perGroup)).flat();
}

/** A managed policy's default version: GetPolicy names it, GetPolicyVersion returns its document. */
async function managedPolicy(
  reader: Reader,
  attached: { PolicyName?: string; PolicyArn?: string },
  kind: 'userManaged' | 'groupManaged',
  holder: string,
  group?: string,
): Promise<SourcedPolicy | undefined> {
  const policyArn = attached.PolicyArn;
  if (!policyArn) return undefined;
  const policyName = attached.PolicyName ?? policyArn.split('/').pop()!;
  const label = `managed policy ${policyName} of ${holder}`;
  let document = reader.managed.get(policyArn);
  if (!document) {
    document = readManagedDocument(reader, policyArn, policyName);
    reader.managed.set(policyArn, document);
  }
  return sourced(reader, { kind, policyName, policyArn, group, label }, await document);
}

async function readManagedDocument(reader: Reader, policyArn: string, policyName: string): Promise<string | undefined> {
  const { sdk } = reader;
  const subject = `the managed policy ${policyName}`;
  const policy = await read(reader, 'GetPolicy', subject, (action) =>
    send(reader, action, (c, o) => c.send(new sdk.GetPolicyCommand({ PolicyArn: policyArn }), o)),
  );
  const versionId = policy?.Policy?.DefaultVersionId;
  if (!versionId) return undefined;
  const version = await read(reader, 'GetPolicyVersion', subject, (action) =>
    send(reader, action, (c, o) => c.send(new sdk.GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId }), o)),
  );
  return version?.PolicyVersion?.Document;
}

/** IAM returns documents URL-encoded; one that does not parse is reported and skipped, never guessed at. */
function sourced(reader: Reader, origin: PolicyOrigin, encoded: string | undefined): SourcedPolicy | undefined {
  if (encoded === undefined) return undefined;
  let text: string;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    text = encoded;
  }
  const statements = parsePolicy(text);
  if (!statements) {
    reader.problems.push({
      action: '',
      subject: `the ${origin.label}`,
      message: `Skipped the ${origin.label}: it is not a policy document this extension can read.`,
    });
    return undefined;
  }
  return { origin, statements };
}

const present = <T>(items: (T | undefined)[]): T[] => items.filter((i): i is T => i !== undefined);

/**
 * Runs one read; AccessDenied becomes a problem (and undefined) so discovery goes on with what it can read, and
 * NoSuchEntity (deleted while we read) is skipped. Anything else stops discovery with a UserError.
 */
async function read<T>(reader: Reader, action: string, subject: string, call: (action: string) => Promise<T>): Promise<T | undefined> {
  try {
    return await call(action);
  } catch (error) {
    const name = (error as { name?: string })?.name;
    if (name === 'AccessDenied' || name === 'AccessDeniedException') {
      const iamAction = `iam:${action}`;
      reader.problems.push({ action: iamAction, subject, message: `Could not read ${subject}: your user lacks ${iamAction}.` });
      return undefined;
    }
    if (name === 'NoSuchEntityException' || name === 'NoSuchEntity') return undefined;
    throw iamError(error, action, reader);
  }
}

type Call<T> = (client: Client, options: { abortSignal: AbortSignal }) => Promise<T>;

function send<T>(reader: Reader, action: string, call: Call<T>): Promise<T> {
  reader.options.log?.(`IAM ${action}`);
  return call(reader.client, { abortSignal: reader.signal });
}

/** Every page of a Marker list. */
async function allPages<P extends { IsTruncated?: boolean; Marker?: string }, T>(
  reader: Reader,
  action: string,
  page: (marker: string | undefined, maxItems: number | undefined) => Call<P>,
  items: (page: P) => T[] | undefined,
): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const answer = await send(reader, action, page(marker, reader.options.pageSize));
    all.push(...(items(answer) ?? []));
    marker = answer.IsTruncated ? answer.Marker : undefined;
  } while (marker);
  return all;
}

/** Errors about the keys themselves read the same for IAM as for STS. */
const KEY_PROBLEMS = ['ExpiredToken', 'InvalidClientTokenId', 'SignatureDoesNotMatch'];

function iamError(error: unknown, action: string, reader: Reader): UserError {
  if (error instanceof UserError) return error;
  const e = (error ?? {}) as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const name = e.name ?? 'Error';
  const detail = `IAM ${action}: ${name}: ${e.message ?? ''}`;
  const where = reader.options.iamEndpoint || 'IAM';
  const network = e.code ?? e.cause?.code;
  if (reader.options.signal?.aborted) return cancelled(detail);
  if (reader.deadline.aborted || name === 'TimeoutError') {
    return new UserError(
      `${where} did not answer in time while reading your policies: check your network, then try again.`,
      'Timeout',
      detail,
    );
  }
  if (KEY_PROBLEMS.includes(name)) return toUserError(error, { action: 'SourceCredentials', source: 'the source credentials' });
  if (network && /^E[A-Z]+$/.test(network)) {
    return new UserError(`Could not reach ${where} (${network}): check your network, then try again.`, network, detail);
  }
  return new UserError(`Reading your policies failed at iam:${action}: ${name}. See the IAM Switchboard log for details.`, name, detail);
}

function summarize(problems: DiscoveryProblem[]): string | undefined {
  if (problems.length <= 1) return problems[0]?.message;
  const actions = [...new Set(problems.map((p) => p.action).filter(Boolean))];
  const list = actions.length > 1 ? `${actions.slice(0, -1).join(', ')} and ${actions[actions.length - 1]}` : actions[0];
  return list
    ? `Some policies could not be read, so roles may be missing: your user lacks ${list}.`
    : problems.map((p) => p.message).join(' ');
}

/**
 * The iamSwitchboard.accounts setting with these roles added (the other way to keep discovered roles): into the
 * entry for the same account and source profile, else a new entry. Roles already there are not repeated.
 */
export function addToAccountsSetting(
  accounts: readonly AccountSetting[],
  roleArns: string[],
  sourceProfile: string,
  mfaSerial?: string,
): AccountSetting[] {
  const result = accounts.map((a) => ({ ...a, roles: [...(a.roles ?? [])] }));
  for (const arn of roleArns) {
    const parsed = tryParseRoleArn(arn);
    if (!parsed) continue;
    const entry = result.find(
      (a) => a.id === parsed.accountId && (a.sourceProfile ?? 'default') === sourceProfile && a.mfaSerial === mfaSerial,
    );
    const role = parsed.path === '/' && parsed.partition === 'aws' ? parsed.name : parsed.arn;
    const named = (a: AccountSetting) =>
      a.roles.some((r) => r === role || r === parsed.arn || `arn:aws:iam::${a.id}:role/${r}` === parsed.arn);
    if (entry) {
      if (!named(entry)) entry.roles.push(role);
    } else {
      result.push({ id: parsed.accountId, sourceProfile, ...(mfaSerial ? { mfaSerial } : {}), roles: [role] });
    }
  }
  return result;
}
