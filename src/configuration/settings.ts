import * as vscode from 'vscode';
import { checkNumericSettings } from '../core/settingsRanges';
import { accountsFromLayers, expectedFromLayers, type Layers, shortest, strictest } from '../core/catalog/guardrails';
import { parseDuration } from '../core/duration';
import type { AgentAccessSettings } from '../core/agents/agentPlan';
import { agentSettingsFromLayers } from '../core/agents/agentSettings';
import type { AccountSetting } from '../core/catalog/roleCatalog';
import type { VaultServer } from '../core/vault/client';
import { type SignInSetting, parseSignInSetting } from '../core/identityCenter/signInFlow';

// The setting shapes are the core's own types: one definition each.
export type { AccountSetting } from '../core/catalog/roleCatalog';
export type VaultServerSetting = VaultServer;

/** iamSwitchboard.identityCenter: one IAM Identity Center instance, and (for the local server) its endpoints. */
interface IdentityCenterSetting {
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
  /** What AI agents' terminals and tools get: access a workspace may only tighten, roles from the person only. */
  agents: AgentAccessSettings;
  /** Machine-scoped and restricted: only ever the person's own value, never a workspace's. */
  identityCenter?: IdentityCenterSetting;
  /** Identity Center account ids or names the tree and the switcher leave out. */
  identityCenterHiddenAccounts: string[];
  /** From this age (days) a central user's access key is flagged for rotation; a workspace may only lower it. */
  keys: { maxAgeDays: number };
  /** How to sign in to Identity Center: the browser (authorization code + PKCE), the device code, or by window. */
  identityCenterSignIn: SignInSetting;
  vault: {
    servers: VaultServer[];
    defaultStsTtl: string;
    revokeLeasesOnExit: boolean;
    waitForIamUserKeys: boolean;
  };
}

interface GuardrailSettings {
  /** The role this folder deploys with: a profile name, role key or ARN. */
  workspaceRole?: string;
  /** Accounts the folder expects; a workspace may set them (they only restrict), an empty list clears nothing. */
  expectedAccountIds: string[];
  /** Accounts the person's own settings mark production: production whatever a workspace's account list says. */
  userProductionIds: string[];
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

/** A setting's values by place; in Restricted Mode the workspace's are left out (for restricted settings). */
function layers<T>(config: vscode.WorkspaceConfiguration, key: string, trustedOnly = false): Layers<T> {
  const inspected = config.inspect<T>(key);
  const workspace = !trustedOnly || vscode.workspace.isTrusted;
  return {
    user: inspected?.globalValue,
    workspace: workspace ? inspected?.workspaceValue : undefined,
    folder: workspace ? inspected?.workspaceFolderValue : undefined,
  };
}

const positiveNumber = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined);
const durationText = (value: unknown) => (typeof value === 'string' ? parseDuration(value) : undefined);

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration('iamSwitchboard');
  // A hand-edited settings.json can hold anything: rounded and clamped in one place (a 16.1 s timeout broke STS).
  const numbers = checkNumericSettings({
    // A workspace may shorten sessions, never lengthen them; in Restricted Mode it sets nothing (restricted setting).
    sessionDurationSeconds: shortest(layers(config, 'sessionDurationSeconds', true), 3600, positiveNumber),
    requestTimeoutSeconds: config.get('requestTimeoutSeconds'),
  });
  reportOnce(numbers.problems);
  const { accounts, userProductionIds } = accountsFromLayers(layers<AccountSetting[]>(config, 'accounts'), vscode.workspace.isTrusted);
  return {
    accounts,
    terraformRoleArns: restricted<string[]>(config, 'terraformRoleArns', []),
    stsEndpoint: config.get<string>('stsEndpoint') || undefined,
    consoleSigninEndpoint: config.get<string>('consoleSigninEndpoint') || 'https://signin.aws.amazon.com/federation',
    region: config.get<string>('region') || 'us-east-1',
    sessionDurationSeconds: numbers.sessionDurationSeconds,
    // Who CloudTrail says acted: machine-scoped and restricted, so only ever the person's own value.
    roleSessionName: restricted<string>(config, 'roleSessionName', '') || undefined,
    autoRefresh: config.get<boolean>('autoRefresh', true),
    terminalCredentials: config.get<string>('terminalCredentials') === 'environment' ? 'environment' : 'endpoint',
    requestTimeoutMs: numbers.requestTimeoutMs,
    iamEndpoint: config.get<string>('iamEndpoint') || undefined,
    guardrails: {
      workspaceRole: config.get<string>('workspaceRole') || undefined,
      expectedAccountIds: expectedFromLayers(layers<string[]>(config, 'expectedAccountIds')),
      userProductionIds,
      // Application-scoped in package.json; read from user settings regardless, so no workspace can turn it on.
      assumeWorkspaceRoleOnOpen: config.inspect<boolean>('assumeWorkspaceRoleOnOpen')?.globalValue ?? false,
      wrongAccountLaunch: strictest(layers(config, 'wrongAccountLaunch'), 'ask', ['refuse', 'ask', 'allow'] as const),
      confirmProductionRoles: strictest(layers(config, 'confirmProductionRoles'), true, [true, false] as const),
      // Application-scoped (user settings only): a workspace could otherwise unmark production accounts.
      productionPatterns: config.get<string[]>('productionPatterns') ?? undefined,
    },
    agents: agentSettingsFromLayers(
      layers(config, 'agents.access'),
      // Machine-scoped in package.json: they decide which role an agent's credentials come from.
      config.inspect<unknown>('agents.policyArn')?.globalValue,
      config.inspect<unknown>('agents.roles')?.globalValue,
    ),
    identityCenter: identityCenterSetting(restricted<unknown>(config, 'identityCenter', undefined)),
    identityCenterHiddenAccounts: config.get<string[]>('identityCenterHiddenAccounts', []).filter((v) => typeof v === 'string'),
    // A guardrail: a workspace may ask for earlier rotation, never quiet the warning (the shortest age wins).
    keys: { maxAgeDays: Math.round(positiveNumber(shortest(layers(config, 'keys.maxAgeDays'), 90, positiveNumber)) ?? 90) },
    identityCenterSignIn: parseSignInSetting(config.get<unknown>('identityCenterSignIn', 'auto')),
    vault: {
      servers: config.get<VaultServer[]>('vault.servers', []),
      // Shorter Vault credentials only, from a workspace; restricted like the session duration.
      defaultStsTtl: shortest(layers(config, 'vault.defaultStsTtl', true), '1h', durationText),
      revokeLeasesOnExit: strictest(layers(config, 'vault.revokeLeasesOnExit'), true, [true, false] as const),
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
