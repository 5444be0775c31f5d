// Every write of an iamSwitchboard.* setting goes through here, so where a value lands (user or workspace
// settings) is decided in one place. Machine-scoped settings can only live in user settings.
import * as vscode from 'vscode';

const SECTION = 'iamSwitchboard';

/** The value the person set in their user settings, ignoring defaults and workspace values. */
export function userValue<T>(key: string): T | undefined {
  return vscode.workspace.getConfiguration(SECTION).inspect<T>(key)?.globalValue;
}

/** The value the current workspace set (not folder, not user). */
export function workspaceValue<T>(key: string): T | undefined {
  return vscode.workspace.getConfiguration(SECTION).inspect<T>(key)?.workspaceValue;
}

/** True when the person chose a value anywhere (user, workspace or folder), as opposed to the default. */
export function isExplicitlySet(key: string): boolean {
  const inspected = vscode.workspace.getConfiguration(SECTION).inspect(key);
  return inspected?.globalValue !== undefined || inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined;
}

export async function writeUserSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}

export async function writeWorkspaceSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Workspace);
}
