// The role a folder deploys with (iamSwitchboard.workspaceRole): offered when the folder opens, or assumed when
// the person turned on iamSwitchboard.assumeWorkspaceRoleOnOpen in their user settings. Nothing happens in an
// untrusted workspace until the person trusts it: the setting comes from the repository.
import * as vscode from 'vscode';
import type { Settings } from '../configuration/settings';
import { resolveWorkspaceRole } from '../core/catalog/guardrails';
import type { RoleEntry } from '../core/catalog/roleCatalog';
import type { Session } from '../core/session';
import { UserError } from '../core/userError';
import { registerCommand, showError } from '../errors';
import type { Guardrails } from '../store/guardrails';
import type { RoleCatalogStore } from '../store/roleCatalogStore';
import type { RoleSessionStore } from '../store/roleSession';

interface WorkspaceRoleDeps {
  session: Session;
  catalog: RoleCatalogStore;
  roles: RoleSessionStore;
  guardrails: Guardrails;
  settings: () => Settings;
  log: vscode.LogOutputChannel;
}

export function registerWorkspaceRole(context: vscode.ExtensionContext, deps: WorkspaceRoleDeps): void {
  context.subscriptions.push(
    registerCommand(deps.log, 'iamSwitchboard.assumeWorkspaceRole', 'Assume workspace role', () => assumeWorkspaceRole(deps)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void onOpen(deps)),
  );
  if (vscode.workspace.isTrusted) void onOpen(deps);
}

async function workspaceRole(deps: WorkspaceRoleDeps): Promise<RoleEntry> {
  const value = deps.settings().guardrails.workspaceRole;
  const { catalog } = await deps.catalog.get();
  const resolved = resolveWorkspaceRole(value, catalog);
  if (!resolved.role) throw new UserError(resolved.problem, resolved.code);
  return resolved.role;
}

async function assumeWorkspaceRole(deps: WorkspaceRoleDeps): Promise<string | undefined> {
  if (!vscode.workspace.isTrusted) {
    throw new UserError(
      'This folder is not trusted, so its iamSwitchboard.workspaceRole is not used: trust the folder first.',
      'UntrustedWorkspace',
    );
  }
  const role = await workspaceRole(deps);
  if (!(await deps.guardrails.confirmProduction(role))) return undefined;
  return (await deps.roles.switchTo(role))?.arn;
}

/** On opening (or trusting) the folder: nothing when it names no role or that role is already active. */
async function onOpen(deps: WorkspaceRoleDeps): Promise<void> {
  const s = deps.settings().guardrails;
  if (!s.workspaceRole) return;
  try {
    const role = await workspaceRole(deps);
    if (deps.roles.activeRole?.key === role.key) return;
    if (s.assumeWorkspaceRoleOnOpen) {
      deps.log.info(`Assuming the workspace role ${role.label} (iamSwitchboard.assumeWorkspaceRoleOnOpen).`);
      await assumeWorkspaceRole(deps);
      return;
    }
    const choice = await vscode.window.showInformationMessage(`This folder deploys with ${role.label}: assume it now?`, 'Assume');
    if (choice === 'Assume') await assumeWorkspaceRole(deps);
  } catch (error) {
    showError(deps.log, error, 'Workspace role');
  }
}
