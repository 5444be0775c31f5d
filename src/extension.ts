// Only wiring: each feature registers itself. Activation does no I/O and loads no SDK (see the lazy bundles in
// esbuild.mjs); a feature that nothing at activation needs is loaded on the first use of one of its commands
// (features/lazy.ts: `lazyFeature(context, log, [its command ids], () => import('./features/x'), (x) => x.activateX(context, deps))`).
import * as vscode from 'vscode';
import { onDidChangeSettings, readSettings, type Settings } from './configuration/settings';
import { logSettingChanges } from './configuration/settingsLog';
import { recordMessagesForTests } from './messageRecorder';
import { Session } from './core/session';
import { workspaceStateOf } from './configuration/state';
import { registerWorkspaceRole } from './commands/workspaceRole';
import { activateAgents, type AgentsActivation } from './features/agents';
import { activateKeys } from './features/keys';
import { activateKeyRotation } from './features/keyRotation';
import { lazyFeature } from './features/lazy';
import { activateVault, type VaultActivation } from './features/vault';
import { registerStatusBar } from './statusBar';
import { Guardrails } from './store/guardrails';
import { IdentityCenterStore } from './store/identityCenterStore';
import { RecentRoles } from './store/recentRoles';
import { RoleCatalogStore } from './store/roleCatalogStore';
import { RoleSessionStore } from './store/roleSession';
import { registerDebugEnvironment } from './terminals/debugEnvironment';
import { registerEnvironmentCollection } from './terminals/environmentCollection';
import { EndpointHost } from './terminals/endpointHost';
import { firstUse } from './terminals/firstUse';
import { NotFollowingTerminals } from './terminals/notFollowing';
import { PinnedTerminals } from './terminals/pinnedTerminal';
import { PinnedTerminalMemory } from './terminals/pinnedTerminalMemory';
import { registerTaskGuard } from './terminals/taskGuard';
import { registerTerminalsWithKeys } from './terminals/terminalsWithKeys';
import { RoleTreeProvider } from './treeViews/roleTree';
import type { RoleEntry } from './core/catalog/roleCatalog';
import type { Identity } from './core/session';

// What deactivate() needs, handed back by registration (VS Code calls deactivate without arguments).
let vault: VaultActivation | undefined;

export function activate(context: vscode.ExtensionContext): { session: Session; agents: AgentsActivation } | undefined {
  recordMessagesForTests(context);
  const log = vscode.window.createOutputChannel('IAM Switchboard', { log: true });
  context.subscriptions.push(logSettingChanges(log, context.extension.packageJSON));
  const session = new Session();
  const settings = readSettings;
  const catalog = new RoleCatalogStore(settings, log);
  const recent = new RecentRoles(context);
  const identityCenter = new IdentityCenterStore({
    secrets: context.secrets,
    context,
    settings,
    log,
    config: async () => (await catalog.get()).config,
  });
  catalog.addRoles(identityCenter);
  const roles = new RoleSessionStore({
    session,
    catalog,
    settings,
    log,
    recent,
    identityCenter,
    memory: { state: workspaceStateOf(context), secrets: context.secrets },
  });
  const guardrails = new Guardrails(session, catalog, settings);
  // Asked at every credential request: read once, and again after a settings change or a trust grant.
  let agents: Settings['agents'] | undefined;
  context.subscriptions.push(
    onDidChangeSettings(() => (agents = undefined)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => (agents = undefined)),
  );
  const endpoint = new EndpointHost(context, {
    session,
    roles,
    log,
    defaultRegion: () => settings().region,
    agents: () => (agents ??= settings().agents),
  });
  const terminalsWithKeys = registerTerminalsWithKeys(context, session, log, settings);
  const pinned = new PinnedTerminals(
    endpoint,
    settings,
    (terminal, label) => terminalsWithKeys.pinned(terminal, label),
    (identity) => guardrails.identityProduction(identity).production,
    {
      memory: new PinnedTerminalMemory(context),
      findRole: async (key) => (await catalog.get()).catalog.roles.find((role) => role.key === key),
    },
  );
  const openPinned = (identity: Identity, role?: RoleEntry) => void pinned.open(identity, role);
  const tree = new RoleTreeProvider(catalog, session, identityCenter, (account) => guardrails.productionMarker([account]));
  const rolesView = vscode.window.createTreeView('iamSwitchboard.roles', { treeDataProvider: tree, showCollapseAll: true });
  tree.follow(rolesView);
  context.subscriptions.push(
    log,
    identityCenter,
    onDidChangeSettings(() => identityCenter.reset()),
    catalog,
    roles,
    guardrails,
    tree,
    endpoint,
    pinned,
    catalog.onDidChange(() => endpoint.configChanged()),
    rolesView,
    vscode.commands.registerCommand('iamSwitchboard.showLog', () => log.show()),
    session.onDidChange((identity) => {
      void vscode.commands.executeCommand('setContext', 'iamSwitchboard.hasSession', identity !== undefined);
    }),
  );
  const notFollowing = new NotFollowingTerminals(context);
  context.subscriptions.push(
    // Said in the status bar (text and tooltip) and a notification, never as the view's message: a message appears
    // above the tree and moves every row down, under a click that was aimed at one.
    notFollowing,
    vscode.commands.registerCommand('iamSwitchboard.relaunchTerminals', () => notFollowing.relaunch()),
  );
  registerEnvironmentCollection(context, {
    session,
    log,
    settings,
    endpoint,
    openPinned,
    used: firstUse(context, session, rolesView),
    tookOver: (resumed) => void notFollowing.takeOver(resumed),
  });
  registerDebugEnvironment(context, session, settings, endpoint, { gate: (kind, name) => guardrails.mayLaunch(kind, name), log });
  registerTaskGuard(
    context,
    (kind, name) => guardrails.mayLaunch(kind, name),
    () => guardrails.verdict().confirmLaunch && settings().guardrails.wrongAccountLaunch !== 'allow',
    log,
  );
  registerStatusBar(context, session, guardrails, { notFollowing });
  const agentFeatures = activateAgents(context, { session, catalog, roles, guardrails, endpoint, settings, log });
  lazyFeature(
    context,
    log,
    [
      'iamSwitchboard.switchRole',
      'iamSwitchboard.assumeRole',
      'iamSwitchboard.openTerminalAsRole',
      'iamSwitchboard.copyArn',
      'iamSwitchboard.openConsole',
      'iamSwitchboard.clearCredentials',
      'iamSwitchboard.showCallerIdentity',
      'iamSwitchboard.refresh',
      'iamSwitchboard.openAwsConfig',
      'iamSwitchboard.addAccount',
    ],
    () => import('./commands/roles'),
    (commands) =>
      commands.registerRoleCommands(context, {
        session,
        catalog,
        roles,
        recent,
        settings,
        log,
        guardrails,
        openPinnedTerminal: openPinned,
      }),
  );
  lazyFeature(
    context,
    log,
    ['iamSwitchboard.discoverRoles'],
    () => import('./commands/discoverRoles'),
    (discovery) => discovery.registerDiscoverRoles(context, { catalog, roles, settings, log }),
  );
  registerWorkspaceRole(context, { session, catalog, roles, guardrails, settings, log });
  lazyFeature(
    context,
    log,
    ['iamSwitchboard.signInToIdentityCenter', 'iamSwitchboard.refreshIdentityCenter', 'iamSwitchboard.signOutOfIdentityCenter'],
    () => import('./commands/identityCenter'),
    (commands) => commands.registerIdentityCenterCommands(context, { store: identityCenter, catalog, session, log }),
  );
  vault = activateVault(context, { session, log, settings });
  endpoint.readStaticKeysWith(vault.readStaticKeys);
  // The keychain forgets what was resolved from a replaced key itself (features/keys.ts), moved or rotated.
  const { keys } = activateKeys(context, { roles, log, agentsGetMyKeys: () => (agents ??= settings().agents).access === 'sameAsMe' });
  activateKeyRotation(context, { catalog, tree, settings, log, holder: keys });
  lazyFeature(
    context,
    log,
    ['iamSwitchboard.copyCredentialsAs', 'iamSwitchboard.copyCredentialProcess', 'iamSwitchboard.manageExternalTokens'],
    () => import('./commands/copyCredentials'),
    (copy) => copy.registerCopyCredentials(context, session, endpoint, log),
  );
  lazyFeature(
    context,
    log,
    ['iamSwitchboard.newCrossAccountRoleModule', 'iamSwitchboard.importTerraformRoles'],
    () => import('./commands/terraform'),
    (terraform) => terraform.registerTerraformCommands(context, catalog, log),
  );
  lazyFeature(
    context,
    log,
    ['iamSwitchboard.signInWithConsoleCredentials'],
    () => import('./features/consoleLogin'),
    (login) => login.activateConsoleLogin(context, { catalog, log }),
  );
  lazyFeature(
    context,
    log,
    ['iamSwitchboard.writeKubeconfig'],
    () => import('./features/eksKubeconfig'),
    (eks) => eks.activateEksKubeconfig(context, { session, settings, log }),
  );
  // After Reload Window the role that was active comes back when that asks nothing (store/roleSession.ts).
  void roles.restore();
  // Only the extension-host tests get the session (and the agents' MCP provider): other extensions must never reach
  // the credentials.
  return context.extensionMode === vscode.ExtensionMode.Test ? { session, agents: agentFeatures } : undefined;
}

export function deactivate(): Promise<void> {
  return vault?.revokeLeasesOnExit() ?? Promise.resolve();
}
