// The Vault feature once loaded (features/vault.ts loads it on first use): its state (servers, clients, tokens,
// leases, static keys), the Vault view's rows and what keeps them in step with the session and the settings, then
// its commands (commands/vault.ts).
import * as vscode from 'vscode';
import { terminalsReached } from '../core/endpoint/terminalReach';
import { registerVaultCommands } from '../commands/vault';
import type { VaultDeps } from '../store/vaultConnections';
import { VaultConnections } from '../store/vaultConnections';
import { VaultLeaseStore } from '../store/vaultLeaseStore';
import { VaultStaticCredentials } from '../store/vaultStatic';
import { VaultTreeProvider } from '../treeViews/vaultTree';
import { VaultLeaseDocuments } from '../vaultLeaseDocument';
import type { LazyTreeData } from './lazy';

/** What the rest of the extension needs from the loaded Vault feature. */
export interface VaultFeature {
  /** Revokes every lease this window created (or saves their ids when revoke-on-exit is off), within a few seconds. */
  revokeLeasesOnExit(): Promise<void>;
  /** Static roles' keys as Vault holds them now (the endpoint reads them again at their rotation). */
  statics: VaultStaticCredentials;
}

/** Starts the feature: `view` is the Vault view, made at activation, whose rows this feature now provides. */
export function startVault(
  context: vscode.ExtensionContext,
  deps: VaultDeps,
  view: { tree: vscode.TreeView<unknown>; data: LazyTreeData<unknown> },
): VaultFeature {
  const { session, log } = deps;
  const connections = new VaultConnections(context, deps);
  const store = new VaultLeaseStore(context, connections, log);
  const tree = new VaultTreeProvider(connections);
  const documents = new VaultLeaseDocuments();
  const statics = new VaultStaticCredentials(connections, session, log);
  view.data.provide(tree as vscode.TreeDataProvider<unknown>);
  tree.follow(view.tree);
  store.restore();
  const setHasLeases = () => vscode.commands.executeCommand('setContext', 'iamSwitchboard.hasLeases', connections.leases.list().length > 0);

  context.subscriptions.push(
    tree,
    documents,
    statics,
    connections,
    connections.leases.onDidChange(() => {
      void setHasLeases();
      void store.save();
    }),
    connections.leases.onDidExpire((lease) => {
      const wasActive = connections.activeLeaseId() === lease.leaseId;
      connections.forget(lease.leaseId);
      log.info(`Vault lease ${lease.leaseId} expired.`);
      if (wasActive) {
        void vscode.window.showInformationMessage(
          `The Vault lease for ${lease.role} expired; its credentials were removed from ${terminalsReached(deps.settings().terminalCredentials)}.`,
        );
      }
    }),
    session.onDidChange(() => tree.sessionChanged()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // Only what the clients are built from: rebuilding the tree for, say, revokeLeasesOnExit made a click on a
      // row during the refresh reach the command without its node (and ask for the role again).
      if (
        event.affectsConfiguration('iamSwitchboard.vault.servers') ||
        event.affectsConfiguration('iamSwitchboard.requestTimeoutSeconds')
      ) {
        connections.reset();
        tree.redraw();
      }
    }),
  );
  void setHasLeases();
  registerVaultCommands(context, deps, { connections, tree, documents, statics });
  return { revokeLeasesOnExit: () => store.revokeLeasesOnExit(), statics };
}
