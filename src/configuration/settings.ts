import * as vscode from 'vscode';
import type { AccountSetting } from '../core/roles';
import type { VaultServer } from '../core/vault';

// The setting shapes are the core's own types: one definition each.
export type { AccountSetting } from '../core/roles';
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
  requestTimeoutMs: number;
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

/** Settings listed in `restrictedConfigurations`: in Restricted Mode only the user's own values count. */
function restricted<T>(config: vscode.WorkspaceConfiguration, key: string, fallback: T): T {
  if (vscode.workspace.isTrusted) {
    return config.get<T>(key, fallback);
  }
  return config.inspect<T>(key)?.globalValue ?? fallback;
}

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration('iamSwitchboard');
  return {
    accounts: restricted<AccountSetting[]>(config, 'accounts', []),
    terraformRoleArns: restricted<string[]>(config, 'terraformRoleArns', []),
    stsEndpoint: config.get<string>('stsEndpoint') || undefined,
    consoleSigninEndpoint: config.get<string>('consoleSigninEndpoint') || 'https://signin.aws.amazon.com/federation',
    region: config.get<string>('region') || 'us-east-1',
    sessionDurationSeconds: config.get<number>('sessionDurationSeconds', 3600),
    roleSessionName: config.get<string>('roleSessionName') || undefined,
    autoRefresh: config.get<boolean>('autoRefresh', true),
    requestTimeoutMs: config.get<number>('requestTimeoutSeconds', 15) * 1000,
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
