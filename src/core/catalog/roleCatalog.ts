// The role catalog the tree and the switcher show: accounts → roles, from ~/.aws/config profiles, the
// iamSwitchboard.accounts setting and imported Terraform role ARNs. Pure functions over plain inputs.
import { type Partition, isAccountId, tryParseRoleArn } from '../aws/arn';
import type { AwsProfile, ProfileSource, ProfileWarning } from '../aws/config';

/** One entry of the iamSwitchboard.accounts setting (same shape as the setting's schema). */
export interface AccountSetting {
  id: string;
  alias?: string;
  label?: string;
  color?: string;
  sourceProfile?: string;
  mfaSerial?: string;
  externalId?: string;
  region?: string;
  /** Marks the account as production: its roles look different and assuming one asks first. */
  production?: boolean;
  roles: string[];
}

type RoleOrigin = 'profile' | 'setting' | 'terraform' | 'identityCenter';

/** An IAM Identity Center permission set in one account: what GetRoleCredentials needs. */
export interface SsoRoleRef {
  startUrl: string;
  region: string;
  /** The `[sso-session NAME]` of a profile, if it names one. */
  session?: string;
  accountId: string;
  /** The permission set's name, e.g. ReadOnlyAccess. */
  roleName: string;
}

export interface RoleEntry {
  /** Unique and stable: `profile:<name>`, `setting:<arn>` or `terraform:<arn>`. */
  key: string;
  arn: string;
  accountId: string;
  partition: Partition;
  name: string;
  /** What a person calls it: the profile name, or `<alias>/<RoleName>`. */
  label: string;
  origin: RoleOrigin;
  /** The profile that defines it, for roles from ~/.aws/config. */
  profile?: string;
  /** Where its source credentials come from; undefined when the profile is broken. */
  source?: ProfileSource;
  /** Assumed from another role's session, so AWS caps it at one hour. */
  chained: boolean;
  needsMfa: boolean;
  mfaSerial?: string;
  needsExternalId: boolean;
  externalId?: string;
  region?: string;
  durationSeconds?: number;
  roleSessionName?: string;
  /**
   * Set for IAM Identity Center roles (assumed with GetRoleCredentials, not AssumeRole); their `arn` is then only
   * nominal (`arn:aws:iam::<account>:role/<permission set>`), as the real role's name is known only to AWS.
   */
  sso?: SsoRoleRef;
  warnings: ProfileWarning[];
}

export interface AccountEntry {
  id: string;
  alias?: string;
  label?: string;
  color?: string;
  production?: boolean;
  roles: RoleEntry[];
}

/** A profile or setting that could not become a role (bad ARN or account id); shown as a warning node. */
export interface BrokenEntry {
  name: string;
  warnings: ProfileWarning[];
}

export interface Catalog {
  accounts: AccountEntry[];
  /** All roles, in tree order. */
  roles: RoleEntry[];
  broken: BrokenEntry[];
}

export interface CatalogInput {
  profiles: Map<string, AwsProfile>;
  accounts?: AccountSetting[];
  terraformRoleArns?: string[];
  /** Roles discovered through IAM Identity Center (identityCenter/directory.ts), and their accounts' names. */
  identityCenterRoles?: RoleEntry[];
  identityCenterAccounts?: { id: string; alias?: string; label?: string }[];
}

export function buildCatalog(input: CatalogInput): Catalog {
  const roles: RoleEntry[] = [];
  const broken: BrokenEntry[] = [];
  const seenArns = new Set<string>();
  // Only roles from settings and Terraform are checked against the profiles' ARNs: without them, 20,000 profiles
  // need no set of 20,000 ARNs.
  const checksArns = (input.accounts?.length ?? 0) > 0 || (input.terraformRoleArns?.length ?? 0) > 0;

  const seenSso = new Set<string>();
  // forEach, not for...of: a Map iterator makes a result object per step until V8 optimizes the loop.
  input.profiles.forEach((profile) => {
    if (profile.roleArn === undefined) {
      const ssoRole = roleFromSsoProfile(profile);
      if (ssoRole) {
        roles.push(ssoRole);
        seenSso.add(ssoKey(ssoRole.sso!));
      }
      return;
    }
    const role = roleFromProfile(profile);
    if (role) {
      roles.push(role);
      if (checksArns) {
        seenArns.add(role.arn);
      }
    } else {
      broken.push({ name: `profile ${profile.name}`, warnings: profile.warnings });
    }
  });
  const settingAccounts = input.accounts ?? [];
  for (const account of settingAccounts) {
    roles.push(...rolesFromSetting(account, input.profiles, seenArns, broken));
  }
  for (const arn of input.terraformRoleArns ?? []) {
    const parsed = tryParseRoleArn(arn);
    if (!parsed) {
      broken.push({ name: `Terraform role ${arn}`, warnings: [{ code: 'InvalidRoleArn', message: `'${arn}' is not a role ARN.` }] });
    } else if (!seenArns.has(parsed.arn)) {
      seenArns.add(parsed.arn);
      const sourceProfile = sourceProfileFor(parsed.accountId, roles, input.profiles);
      roles.push(
        withSource(
          { ...parsed, key: `terraform:${parsed.arn}`, label: parsed.name, origin: 'terraform' },
          sourceProfile,
          {},
          input.profiles,
        ),
      );
    }
  }
  for (const role of input.identityCenterRoles ?? []) {
    if (role.sso && !seenSso.has(ssoKey(role.sso))) {
      roles.push(role);
    }
  }
  const named = (input.identityCenterAccounts ?? []).map((a) => ({ ...a, roles: [] }));
  return groupByAccount(roles, [...settingAccounts, ...named], broken);
}

function ssoKey(ref: SsoRoleRef): string {
  return `${ref.startUrl}|${ref.accountId}|${ref.roleName}`;
}

/** The role of a profile with sso_account_id and sso_role_name (and a start URL and region), else undefined. */
function roleFromSsoProfile(profile: AwsProfile): RoleEntry | undefined {
  const sso = profile.sso;
  if (!sso?.startUrl || !sso.region || !sso.roleName || !sso.accountId || !isAccountId(sso.accountId)) {
    return undefined;
  }
  const ref: SsoRoleRef = {
    startUrl: sso.startUrl,
    region: sso.region,
    session: sso.session,
    accountId: sso.accountId,
    roleName: sso.roleName,
  };
  return { ...ssoRoleEntry(ref, profile.name, 'profile'), profile: profile.name, region: profile.region, warnings: profile.warnings };
}

/** A RoleEntry for a permission set: key `sso:<start URL>|<account>|<name>` unless a profile defines it. */
export function ssoRoleEntry(ref: SsoRoleRef, label: string, origin: 'profile' | 'identityCenter'): RoleEntry {
  const arn = `arn:aws:iam::${ref.accountId}:role/${ref.roleName}`;
  return {
    arn,
    accountId: ref.accountId,
    partition: 'aws',
    name: ref.roleName,
    key: origin === 'profile' ? `profile:${label}` : `sso:${ssoKey(ref)}`,
    label,
    origin,
    chained: false,
    needsMfa: false,
    needsExternalId: false,
    sso: ref,
    warnings: [],
  };
}

/** The role a profile with a role_arn describes, or undefined when its ARN is unusable. */
export function roleFromProfile(profile: AwsProfile): RoleEntry | undefined {
  const parsed = profile.roleArnParts ?? (profile.roleArn === undefined ? undefined : tryParseRoleArn(profile.roleArn));
  if (!parsed) {
    return undefined;
  }
  // Fields copied one by one: an object spread here was the slowest step of the catalog at 2,000 profiles.
  return {
    arn: parsed.arn,
    accountId: parsed.accountId,
    partition: parsed.partition,
    name: parsed.name,
    key: `profile:${profile.name}`,
    label: profile.name,
    origin: 'profile',
    profile: profile.name,
    source: profile.source,
    chained: profile.source?.kind === 'role',
    needsMfa: profile.mfaSerial !== undefined,
    mfaSerial: profile.mfaSerial,
    needsExternalId: profile.externalId !== undefined,
    externalId: profile.externalId,
    region: profile.region,
    durationSeconds: profile.durationSeconds,
    roleSessionName: profile.roleSessionName,
    warnings: profile.warnings,
  };
}

function rolesFromSetting(
  account: AccountSetting,
  profiles: Map<string, AwsProfile>,
  seenArns: Set<string>,
  broken: BrokenEntry[],
): RoleEntry[] {
  const name = `account ${account.alias ?? account.id}`;
  if (!isAccountId(String(account.id))) {
    broken.push({
      name,
      warnings: [{ code: 'InvalidAccountId', message: `iamSwitchboard.accounts: '${account.id}' is not a 12-digit account id.` }],
    });
    return [];
  }
  const result: RoleEntry[] = [];
  for (const role of account.roles ?? []) {
    const arn = role.startsWith('arn:') ? role : `arn:aws:iam::${account.id}:role/${role}`;
    const parsed = tryParseRoleArn(arn);
    if (!parsed) {
      broken.push({
        name,
        warnings: [{ code: 'InvalidRoleArn', message: `iamSwitchboard.accounts: '${role}' is not a role name or role ARN.` }],
      });
      continue;
    }
    if (seenArns.has(parsed.arn)) {
      continue; // a profile already offers it, with its own settings
    }
    seenArns.add(parsed.arn);
    const label = `${account.alias ?? parsed.accountId}/${parsed.name}`;
    result.push(
      withSource(
        { ...parsed, key: `setting:${parsed.arn}`, label, origin: 'setting' },
        account.sourceProfile ?? 'default',
        account,
        profiles,
      ),
    );
  }
  return result;
}

type Extra = Pick<AccountSetting, 'mfaSerial' | 'externalId' | 'region'>;

/** A role from a setting, assumed from `sourceProfile` the way a profile with that source_profile would be. */
function withSource(
  base: Omit<RoleEntry, 'source' | 'chained' | 'needsMfa' | 'needsExternalId' | 'warnings'>,
  sourceProfile: string,
  extra: Extra,
  profiles: Map<string, AwsProfile>,
): RoleEntry {
  const source = profiles.get(sourceProfile);
  const warnings: ProfileWarning[] = [];
  let resolved: ProfileSource | undefined;
  if (!source) {
    warnings.push({
      code: 'UnknownSourceProfile',
      message: `source profile '${sourceProfile}' does not exist in ~/.aws/config or ~/.aws/credentials.`,
    });
  } else if (source.roleArn !== undefined && source.credentialKind !== 'static') {
    resolved = source.source ? { kind: 'role', profile: source.name } : undefined;
    if (!resolved) {
      warnings.push({
        code: 'BrokenSourceProfile',
        message: `source profile '${sourceProfile}' is broken: ${source.warnings.map((w) => w.message).join(' ')}`,
      });
    }
  } else {
    resolved = { kind: 'profile', profile: source.name };
  }
  return {
    ...base,
    source: resolved,
    chained: resolved?.kind === 'role',
    needsMfa: extra.mfaSerial !== undefined,
    mfaSerial: extra.mfaSerial,
    needsExternalId: extra.externalId !== undefined,
    externalId: extra.externalId,
    region: extra.region,
    warnings,
  };
}

function groupByAccount(roles: RoleEntry[], settings: AccountSetting[], broken: BrokenEntry[]): Catalog {
  const accounts = new Map<string, AccountEntry>();
  // Accounts named in the setting come first, in the setting's order; then the others by id.
  for (const s of settings) {
    if (isAccountId(String(s.id)) && !accounts.has(s.id)) {
      accounts.set(s.id, { id: s.id, alias: s.alias, label: s.label, color: s.color, production: s.production, roles: [] });
    }
  }
  // Grouped first, then each account's roles sorted by label: the same order as one stable sort by (account, label)
  // of all roles, with a tenth of the comparisons at 20,000 roles over 200 accounts.
  const byAccount = new Map<string, RoleEntry[]>();
  for (const role of roles) {
    const group = byAccount.get(role.accountId);
    if (group) {
      group.push(role);
    } else {
      byAccount.set(role.accountId, [role]);
    }
  }
  // Plain code-unit order: localeCompare is ten times slower, which shows at thousands of profiles.
  for (const id of [...byAccount.keys()].sort(compare)) {
    const group = byAccount.get(id)!.sort((a, b) => compare(a.label, b.label));
    const account = accounts.get(id);
    if (account) {
      account.roles = group;
    } else {
      accounts.set(id, { id, roles: group });
    }
  }
  const list = [...accounts.values()];
  // A loop, not flatMap: flatMap took eight times as long for 20,000 roles.
  const all: RoleEntry[] = [];
  for (const account of list) {
    for (const role of account.roles) {
      all.push(role);
    }
  }
  return { accounts: list, roles: all, broken };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How a role's source credentials read in the tree: `profile default`, `role dev-readonly`, `Environment`. */
export function describeSource(source: ProfileSource | undefined): string {
  if (!source) {
    return 'no usable source';
  }
  if (source.kind === 'webIdentity') {
    return 'web identity token file';
  }
  return source.kind === 'credentialSource' ? `credential_source ${source.name}` : `${source.kind} ${source.profile}`;
}

/**
 * Roles ordered for the switcher: the recently used first (most recent first), then the rest. `recent` holds role
 * keys (two profiles can share one role ARN, and only the one used should move up) or, as older state did, ARNs.
 */
export function orderByRecent(roles: RoleEntry[], recent: string[]): RoleEntry[] {
  const rank = new Map(recent.map((id, i) => [id, i]));
  const rankOf = (r: RoleEntry) => rank.get(r.key) ?? rank.get(r.arn);
  const used = roles.filter((r) => rankOf(r) !== undefined).sort((a, b) => rankOf(a)! - rankOf(b)!);
  return [...used, ...roles.filter((r) => rankOf(r) === undefined)];
}

/**
 * The profile a role that names no source (a pasted ARN, a Terraform role) is assumed from: the source the catalog
 * already uses for that account; else `default` when it exists; else the one source every other role uses (keys
 * only in `[central]`, as the seed workflow sets it up); else `default`, whose absence the role's warning then names.
 */
function sourceProfileFor(accountId: string, roles: readonly RoleEntry[], profiles: Map<string, AwsProfile>): string {
  const profileSource = (r: RoleEntry) => (r.source?.kind === 'profile' ? r.source.profile : undefined);
  const sibling = roles.find((r) => r.accountId === accountId && profileSource(r) !== undefined);
  if (sibling) {
    return profileSource(sibling)!;
  }
  if (profiles.has('default')) {
    return 'default';
  }
  const used = new Set(roles.map(profileSource).filter((p) => p !== undefined));
  return used.size === 1 ? [...used][0] : 'default';
}

/** Where a role was defined, and so where its problems are fixed, for messages. */
export function roleDefinedIn(role: Pick<RoleEntry, 'origin' | 'profile' | 'key'>): string {
  if (role.profile) {
    return `profile '${role.profile}' in ~/.aws/config`;
  }
  switch (role.origin) {
    case 'terraform':
      return 'the Terraform import it came from (give its account a profile with a source_profile in ~/.aws/config)';
    case 'identityCenter':
      return 'IAM Identity Center';
    default:
      return role.key.startsWith('arn:')
        ? 'the pasted ARN (add a profile for it with a source_profile to ~/.aws/config)'
        : 'the iamSwitchboard.accounts setting';
  }
}

/**
 * A role that is in no profile or setting (an ARN typed into the switcher), assumed from the source the
 * catalog already uses for that account (see sourceProfileFor), as a role from settings would be.
 */
export function roleForArn(arn: string, catalog: Catalog, profiles: Map<string, AwsProfile>): RoleEntry | undefined {
  const parsed = tryParseRoleArn(arn);
  if (!parsed) {
    return undefined;
  }
  const sourceProfile = sourceProfileFor(parsed.accountId, catalog.roles, profiles);
  return withSource(
    { ...parsed, key: `arn:${parsed.arn}`, label: `${parsed.accountId}/${parsed.name}`, origin: 'setting' },
    sourceProfile,
    {},
    profiles,
  );
}
