import * as vscode from 'vscode';
import { checkNumericSettings } from '../core/settingsRanges';
import type { AccountSetting } from '../core/catalog/roleCatalog';
import type { VaultServer } from '../core/vault/client';

// The setting shapes are the core's own types: one definition each.
export type { AccountSetting } from '../core/catalog/roleCatalog';
export type VaultServerSetting = VaultServer;

/** iamSwitchboard.identityCenter: one IAM Identity Center instance, and (for the local server) its endpoints. */
export interface IdentityCenterSetting {
  startUrl: string;
  region: string;
  oidcEndpoint?: string;
  portalEndpoint?: string;
}

export interface Settings {
  accounts: AccountSetting[];
  terraformRoleArns: string[];
  /** Endpoints are machine-scoped in package.json, so VS Code reads them from user settings only. */
  stsEndpoint?: string;
  consoleSigninEndpoint: string;
  region: string;
  sessionDurationSeconds: number;
  roleSessionName?: string;
  autoRefresh: boolean;
  /** How processes get the active role: a token for the window's credential endpoint, or keys in the environment. */
  terminalCredentials: 'endpoint' | 'environment';
  requestTimeoutMs: number;
  /** IAM endpoint for Discover Roles; machine-scoped like the STS endpoint. */
  iamEndpoint?: string;
  guardrails: GuardrailSettings;
  /** Machine-scoped and restricted: only ever the person's own value, never a workspace's. */
  identityCenter?: IdentityCenterSetting;
  /** Identity Center account ids or names the tree and the switcher leave out. */
  identityCenterHiddenAccounts: string[];
  vault: {
    servers: VaultServer[];
    defaultStsTtl: string;
    revokeLeasesOnExit: boolean;
    waitForIamUserKeys: boolean;
  };
}

export interface GuardrailSettings {
  /** The role this folder deploys with: a profile name, role key or ARN. */
  workspaceRole?: string;
  /** Accounts the folder expects; a workspace may set them (they only restrict). */
  expectedAccountIds: string[];
  /** User settings only, and never acted on in an untrusted workspace. */
  assumeWorkspaceRoleOnOpen: boolean;
  wrongAccountLaunch: 'ask' | 'refuse' | 'allow';
  confirmProductionRoles: boolean;
  productionPatterns?: string[];
}

/** Settings listed in `restrictedConfigurations`: in Restricted Mode only the user's own values count. */
function restricted<T>(config: vscode.WorkspaceConfiguration, key: string, fallback: T): T {
  if (vscode.workspace.isTrusted) {
    return config.get<T>(key, fallback);
  }
  return config.inspect<T>(key)?.globalValue ?? fallback;
}

/**
 * The strictest of the user's value (or the default) and the workspace's and folder's: a repository may tighten a
 * guardrail (ask before production roles, refuse wrong-account launches), never loosen it. `order`: strictest first.
 */
function strictest<T>(config: vscode.WorkspaceConfiguration, key: string, fallback: T, order: readonly T[]): T {
  const inspected = config.inspect<T>(key);
  const valid = (value: T | undefined): value is T => value !== undefined && order.includes(value);
  const global = inspected?.globalValue;
  const user = valid(global) ? global : fallback;
  const candidates = [user, inspected?.workspaceValue, inspected?.workspaceFolderValue].filter(valid);
  return candidates.sort((a, b) => order.indexOf(a) - order.indexOf(b))[0];
}

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration('iamSwitchboard');
  // A hand-edited settings.json can hold anything: rounded and clamped in one place (a 16.1 s timeout broke STS).
  const numbers = checkNumericSettings({
    sessionDurationSeconds: config.get('sessionDurationSeconds'),
    requestTimeoutSeconds: config.get('requestTimeoutSeconds'),
  });
  reportOnce(numbers.problems);
  return {
    accounts: restricted<AccountSetting[]>(config, 'accounts', []),
    terraformRoleArns: restricted<string[]>(config, 'terraformRoleArns', []),
    stsEndpoint: config.get<string>('stsEndpoint') || undefined,
    consoleSigninEndpoint: config.get<string>('consoleSigninEndpoint') || 'https://signin.aws.amazon.com/federation',
    region: config.get<string>('region') || 'us-east-1',
    sessionDurationSeconds: numbers.sessionDurationSeconds,
    roleSessionName: config.get<string>('roleSessionName') || undefined,
    autoRefresh: config.get<boolean>('autoRefresh', true),
    terminalCredentials: config.get<string>('terminalCredentials') === 'environment' ? 'environment' : 'endpoint',
    requestTimeoutMs: numbers.requestTimeoutMs,
    iamEndpoint: config.get<string>('iamEndpoint') || undefined,
    guardrails: {
      workspaceRole: config.get<string>('workspaceRole') || undefined,
      expectedAccountIds: config.get<string[]>('expectedAccountIds', []),
      // Application-scoped in package.json; read from user settings regardless, so no workspace can turn it on.
      assumeWorkspaceRoleOnOpen: config.inspect<boolean>('assumeWorkspaceRoleOnOpen')?.globalValue ?? false,
      wrongAccountLaunch: strictest(config, 'wrongAccountLaunch', 'ask', ['refuse', 'ask', 'allow'] as const),
      confirmProductionRoles: strictest(config, 'confirmProductionRoles', true, [true, false] as const),
      // Application-scoped (user settings only): a workspace could otherwise unmark production accounts.
      productionPatterns: config.get<string[]>('productionPatterns') ?? undefined,
    },
    identityCenter: identityCenterSetting(restricted<unknown>(config, 'identityCenter', undefined)),
    identityCenterHiddenAccounts: config.get<string[]>('identityCenterHiddenAccounts', []).filter((v) => typeof v === 'string'),
    vault: {
      servers: config.get<VaultServer[]>('vault.servers', []),
      defaultStsTtl: config.get<string>('vault.defaultStsTtl', '1h'),
      revokeLeasesOnExit: config.get<boolean>('vault.revokeLeasesOnExit', true),
      waitForIamUserKeys: config.get<boolean>('vault.waitForIamUserKeys', true),
    },
  };
}

const reported = new Set<string>();

/** Each problem with a setting's value is said once per window, not at every read. */
function reportOnce(problems: string[]): void {
  for (const problem of problems.filter((p) => !reported.has(p))) {
    reported.add(problem);
    void vscode.window.showWarningMessage(`${problem} Fix it in your settings.`);
  }
}

/** The setting when it names a start URL and a region (strings only: a hand-edited value may hold anything). */
function identityCenterSetting(value: unknown): IdentityCenterSetting | undefined {
  const v = value as Record<string, unknown> | undefined;
  const text = (key: string) => (typeof v?.[key] === 'string' && v[key] ? (v[key] as string).trim() : undefined);
  const startUrl = text('startUrl');
  const region = text('region');
  if (!startUrl || !region) {
    return undefined;
  }
  return { startUrl, region, oidcEndpoint: text('oidcEndpoint'), portalEndpoint: text('portalEndpoint') };
}

/** Fires when any iamSwitchboard.* setting changes. */
export function onDidChangeSettings(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration('iamSwitchboard')) {
      listener();
    }
  });
}
