// Guardrails for "the right account for this folder": which roles are production, which role a workspace names
// (iamSwitchboard.workspaceRole), and whether the active identity is in an account the workspace expects
// (iamSwitchboard.expectedAccountIds). Pure functions; the edge turns the verdicts into colours and questions.
import { isAccountId, tryParseRoleArn } from '../aws/arn';
import type { AccountEntry, AccountSetting, Catalog, RoleEntry } from './roleCatalog';

/** Names that mean production unless an account says otherwise; matched whole and case-insensitively. */
const DEFAULT_PRODUCTION_PATTERNS: readonly string[] = [
  'prod',
  'prod-*',
  'prod_*',
  '*-prod',
  '*_prod',
  '*-prod-*',
  'production',
  'production-*',
  '*-production',
];

export interface ProductionMark {
  production: boolean;
  /** Why, for a tooltip: `account 333333333333 is marked production`, `name 'prod-admin' matches 'prod-*'`. */
  reason?: string;
}

const globRegex = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );

/**
 * Whether a role is production: its account's `production` flag decides when set (true or false); otherwise the
 * account's alias or label, or the role's own name (a profile name, `prod/ReadOnly`), matching a pattern.
 */
export function productionMark(
  role: Pick<RoleEntry, 'accountId' | 'label' | 'profile'>,
  accounts: readonly (AccountEntry | AccountSetting)[],
  patterns: readonly string[] = DEFAULT_PRODUCTION_PATTERNS,
  userProductionIds: readonly string[] = [],
): ProductionMark {
  // The person's own marks come first: no workspace's account list can take them away.
  if (userProductionIds.includes(role.accountId)) {
    return { production: true, reason: `account ${role.accountId} is marked production in your user settings` };
  }
  const account = accounts.find((a) => a.id === role.accountId);
  if (account?.production !== undefined) {
    return account.production
      ? { production: true, reason: `account ${account.alias ?? account.id} is marked production` }
      : { production: false };
  }
  const names = [account?.alias, account?.label, role.profile, ...role.label.split('/')].filter((n): n is string => !!n);
  for (const pattern of patterns) {
    const regex = globRegex(pattern);
    const name = names.find((n) => regex.test(n));
    if (name) return { production: true, reason: `the name '${name}' matches '${pattern}'` };
  }
  return { production: false };
}

// --- Settings a workspace may tighten, never loosen ---------------------------------------------------------------

/** A setting's value in each place VS Code reads it from (its `inspect()`), undefined where it is not set. */
export interface Layers<T> {
  user?: T;
  workspace?: T;
  folder?: T;
}

/**
 * The strictest of the user's value (or the default) and the workspace's and folder's: a repository may tighten a
 * guardrail (ask before production roles, refuse wrong-account launches), never loosen it. `order`: strictest first.
 */
export function strictest<T>(layers: Layers<unknown>, fallback: T, order: readonly T[]): T {
  const valid = (value: unknown): value is T => value !== undefined && order.includes(value as T);
  const user = valid(layers.user) ? layers.user : fallback;
  const candidates = [user, layers.workspace, layers.folder].filter(valid);
  return candidates.sort((a, b) => order.indexOf(a) - order.indexOf(b))[0];
}

/**
 * The shortest of the user's duration (or the default) and the workspace's and folder's: shorter sessions only. A
 * user value that is no duration is kept (unless a workspace's is shorter than any), so the caller can report it.
 */
export function shortest<T>(layers: Layers<unknown>, fallback: T, seconds: (value: unknown) => number | undefined): T {
  const user = layers.user !== undefined ? (layers.user as T) : fallback;
  let best = user;
  for (const value of [layers.workspace, layers.folder]) {
    const s = seconds(value);
    if (s !== undefined && s < (seconds(best) ?? Infinity)) best = value as T;
  }
  return best;
}

/**
 * iamSwitchboard.accounts with the workspace's entries unable to unmark production: VS Code's precedence (folder,
 * then workspace, then user) picks the list, but `production: false` counts only in the person's own settings, and
 * the accounts they mark production there stay production whatever list wins (`userProductionIds`). In Restricted
 * Mode only the person's own list counts.
 */
export function accountsFromLayers(
  layers: Layers<AccountSetting[]>,
  trusted: boolean,
): { accounts: AccountSetting[]; userProductionIds: string[] } {
  const list = (value: unknown): AccountSetting[] => (Array.isArray(value) ? (value as AccountSetting[]) : []);
  const user = list(layers.user);
  const userProductionIds = user.filter((a) => a?.production === true && typeof a.id === 'string').map((a) => a.id);
  const workspace = trusted ? (layers.folder ?? layers.workspace) : undefined;
  if (workspace === undefined) return { accounts: user, userProductionIds };
  const accounts = list(workspace).map((a) => {
    if (a?.production !== false) return a;
    const { production: _ignored, ...rest } = a;
    return rest;
  });
  return { accounts, userProductionIds };
}

/**
 * iamSwitchboard.expectedAccountIds: the folder's or the workspace's list, but an empty one does not clear the
 * accounts the person's own settings expect.
 */
export function expectedFromLayers(layers: Layers<string[]>): string[] {
  const nonEmpty = (value: unknown): value is string[] => Array.isArray(value) && value.length > 0;
  return [layers.folder, layers.workspace, layers.user].find(nonEmpty) ?? [];
}

/** The sentence to confirm before assuming a production role. */
export function productionQuestion(role: Pick<RoleEntry, 'label' | 'accountId'>, mark: ProductionMark): string {
  return `${role.label} is a production role (account ${role.accountId}; ${mark.reason ?? 'marked production'}). Assume it?`;
}

type WorkspaceRole =
  { role: RoleEntry; problem?: undefined } | { role?: undefined; problem: string; code: 'EmptyWorkspaceRole' | 'UnknownWorkspaceRole' };

/** A setting value we may repeat in a message: names and ARNs only, never anything shaped like a key. */
function shown(value: string): string {
  const safe = /^[\w+=,.@:/-]{1,200}$/.test(value) && !/(AKIA|ASIA)[A-Z0-9]{12,}/.test(value) && !/[A-Za-z0-9+/]{30,}/.test(value);
  return safe ? `'${value}'` : 'its value';
}

/**
 * The catalog role iamSwitchboard.workspaceRole names: a role key (`profile:dev`), a profile name or label, or a
 * role ARN (the first profile that has it, else any role with it). A path-less ARN matches a role with a path.
 */
export function resolveWorkspaceRole(value: string | undefined, catalog: Pick<Catalog, 'roles'>): WorkspaceRole {
  const wanted = (value ?? '').trim();
  if (wanted === '') return { problem: 'iamSwitchboard.workspaceRole is empty.', code: 'EmptyWorkspaceRole' };
  const roles = catalog.roles;
  const byArn = (arn: string) => {
    const parsed = tryParseRoleArn(arn);
    if (!parsed) return [];
    return roles.filter((r) => r.arn === parsed.arn || (parsed.path === '/' && r.accountId === parsed.accountId && r.name === parsed.name));
  };
  const role =
    roles.find((r) => r.key === wanted) ??
    roles.find((r) => r.profile === wanted) ??
    roles.find((r) => r.label === wanted) ??
    byArn(wanted).sort((a, b) => Number(b.origin === 'profile') - Number(a.origin === 'profile'))[0];
  if (role) return { role };
  return {
    problem: `The workspace role ${shown(wanted)} (iamSwitchboard.workspaceRole) is not a profile, role or role ARN you have: add it to ~/.aws/config or iamSwitchboard.accounts, or fix the setting.`,
    code: 'UnknownWorkspaceRole',
  };
}

type AccountState =
  /** The workspace names no accounts. */
  | 'noExpectation'
  | 'expectedAccount'
  | 'wrongAccount'
  /** Accounts are expected but no role is active. */
  | 'noIdentity'
  /** A role is active but its account is not known (so it cannot be checked). */
  | 'unknownAccount';

interface GuardrailInput {
  /** The active identity, if any. */
  identity?: { label: string; accountId?: string };
  /** iamSwitchboard.expectedAccountIds of the workspace. */
  expectedAccountIds?: readonly string[];
  /** productionMark() of the active role. */
  production?: ProductionMark;
}

export interface GuardrailVerdict {
  state: AccountState;
  production: boolean;
  /** The status bar background: the error colour for a wrong account, the warning colour for production. */
  statusBarBackground?: 'statusBarItem.errorBackground' | 'statusBarItem.warningBackground';
  /** One sentence for the status bar tooltip; undefined when there is nothing to say. */
  message?: string;
  /** Starting a task or a debug session should ask first (see launchQuestion). */
  confirmLaunch: boolean;
  /** Entries of expectedAccountIds that are not 12-digit ids (ignored), for a warning. */
  invalidExpected: string[];
}

/** How the active identity stands against the workspace's expected accounts and production marking. */
export function guardrailVerdict(input: GuardrailInput): GuardrailVerdict {
  const entries = (input.expectedAccountIds ?? []).map((id) => String(id).trim());
  const expected = entries.filter(isAccountId);
  const invalidExpected = entries.filter((id) => !isAccountId(id));
  const production = input.production?.production === true && input.identity !== undefined;
  const base = { production, invalidExpected, statusBarBackground: production ? ('statusBarItem.warningBackground' as const) : undefined };
  const productionNote = production ? `${input.identity!.label} is a production role.` : undefined;
  if (expected.length === 0) return { ...base, state: 'noExpectation', confirmLaunch: false, message: productionNote };
  const list = expected.join(', ');
  if (!input.identity) {
    return { ...base, state: 'noIdentity', confirmLaunch: false, message: `No role is active; this workspace expects account ${list}.` };
  }
  const { label, accountId } = input.identity;
  if (!accountId) {
    return {
      ...base,
      state: 'unknownAccount',
      confirmLaunch: true,
      message: `The account of ${label} is not known, so it cannot be checked against ${list}, which this workspace expects.`,
    };
  }
  if (!expected.includes(accountId)) {
    return {
      ...base,
      state: 'wrongAccount',
      statusBarBackground: 'statusBarItem.errorBackground',
      confirmLaunch: true,
      message: `${label} is in account ${accountId}, but this workspace expects ${list} (iamSwitchboard.expectedAccountIds).`,
    };
  }
  return { ...base, state: 'expectedAccount', confirmLaunch: false, message: productionNote };
}

/** The question to ask before a task or debug launch, or undefined when the verdict needs none. */
export function launchQuestion(
  verdict: GuardrailVerdict,
  identity: { label: string; accountId?: string } | undefined,
  launch: { kind: 'task' | 'debug'; name: string },
): string | undefined {
  if (!verdict.confirmLaunch || !identity) return undefined;
  const what = launch.kind === 'task' ? `The task '${launch.name}'` : `The debug session '${launch.name}'`;
  const account = identity.accountId ? `in account ${identity.accountId}` : 'in an account that cannot be checked';
  return `${what} would run as ${identity.label} ${account}, not the account this workspace expects. Start it anyway?`;
}
