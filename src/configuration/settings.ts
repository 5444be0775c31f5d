import * as vscode from 'vscode';
import { checkNumericSettings } from '../core/settingsRanges';
import type { AccountSetting } from '../core/roles';
import type { VaultServer } from '../core/vault';

// The setting shapes are the core's own types: one definition each.
export type { AccountSetting } from '../core/roles';
export type VaultServerSetting = VaultServer;

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
  // A hand-edited settings.json can hold anything: rounded and clamped in one place (a 16.1 s timeout broke STS).
  const numbers = checkNumericSettings({ sessionDurationSeconds: config.get('sessionDurationSeconds'), requestTimeoutSeconds: config.get('requestTimeoutSeconds') });
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

/** Fires when any iamSwitchboard.* setting changes. */
export function onDidChangeSettings(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration('iamSwitchboard')) {
      listener();
    }
  });
}
