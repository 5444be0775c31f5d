// Only wiring: each feature registers itself. Activation does no I/O and loads no SDK (see src/core/sdk.ts).
import * as vscode from 'vscode';
import { onDidChangeSettings, readSettings } from './configuration/settings';
import { recordMessagesForTests } from './messageRecorder';
import { Session } from './core/session';
import { registerIdentityCenterCommands } from './commands/identityCenter';
import { registerRoleCommands } from './commands/roles';
import { registerTerraformCommands } from './commands/terraform';
import { registerVault, type VaultRegistration } from './commands/vault';
import { registerStatusBar } from './statusBar';
import { IdentityCenterStore } from './store/identityCenterStore';
import { RecentRoles } from './store/recentRoles';
import { RoleCatalogStore } from './store/roleCatalogStore';
import { RoleSessionStore } from './store/roleSession';
import { registerDebugEnvironment } from './terminals/debugEnvironment';
import { registerEnvironmentCollection } from './terminals/environmentCollection';
import { openPinnedTerminal } from './terminals/pinnedTerminal';
import { registerTerminalsWithKeys } from './terminals/terminalsWithKeys';
import { RoleTreeProvider } from './treeViews/roleTree';
import type { Identity } from './core/session';

// What deactivate() needs, handed back by registration (VS Code calls deactivate without arguments).
let vault: VaultRegistration | undefined;

export function activate(context: vscode.ExtensionContext): { session: Session } | undefined {
  recordMessagesForTests(context);
  const log = vscode.window.createOutputChannel('IAM Switchboard', { log: true });
  const session = new Session();
  const settings = readSettings;
  const catalog = new RoleCatalogStore(settings, log);
  const recent = new RecentRoles(context);
  const identityCenter = new IdentityCenterStore({ secrets: context.secrets, context, settings, log, config: async () => (await catalog.get()).config });
  catalog.addRoles(identityCenter);
  const roles = new RoleSessionStore({ session, catalog, settings, log, recent, identityCenter });
  const terminalsWithKeys = registerTerminalsWithKeys(context, session, log);
  const openPinned = (identity: Identity) => terminalsWithKeys.pinned(openPinnedTerminal(identity), identity.label);
  const tree = new RoleTreeProvider(catalog, session, identityCenter);
  context.subscriptions.push(
    log,
    identityCenter,
    onDidChangeSettings(() => identityCenter.reset()),
    catalog,
    roles,
    tree,
    vscode.window.createTreeView('iamSwitchboard.roles', { treeDataProvider: tree, showCollapseAll: true }),
    vscode.commands.registerCommand('iamSwitchboard.showLog', () => log.show()),
    session.onDidChange((identity) => {
      void vscode.commands.executeCommand('setContext', 'iamSwitchboard.hasSession', identity !== undefined);
    }),
  );
  registerEnvironmentCollection(context, session, log, openPinned);
  registerDebugEnvironment(context, session);
  registerStatusBar(context, session);
  registerRoleCommands(context, { session, catalog, roles, recent, settings, log, openPinnedTerminal: openPinned });
  registerIdentityCenterCommands(context, { store: identityCenter, catalog, session, log });
  vault = registerVault(context, { session, log });
  registerTerraformCommands(context, log);
  // Only the extension-host tests get the session: other extensions must never reach the credentials.
  return context.extensionMode === vscode.ExtensionMode.Test ? { session } : undefined;
}

export function deactivate(): Promise<void> {
  return vault?.revokeLeasesOnExit() ?? Promise.resolve();
}
