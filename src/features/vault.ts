// The Vault feature as activation registers it: its commands and its view, with stand-ins that load the feature
// (features/vaultLoaded.ts: state, rows, commands) the first time one of its commands runs or the view is shown,
// or at once, after activation, when an earlier window left leases to follow.
import * as vscode from 'vscode';
import { workspaceStateOf } from '../configuration/state';
import { showError } from '../errors';
import type { VaultDeps } from '../store/vaultConnections';
import type { StaticKeysReader } from '../terminals/endpointHost';
import { LazyTreeData, lazyFeature } from './lazy';
import type { VaultFeature } from './vaultLoaded';

/** What the rest of the extension needs from the Vault feature, loaded or not. */
export interface VaultActivation {
  /** Revokes every lease this window created (or saves their ids when revoke-on-exit is off), within a few seconds. */
  revokeLeasesOnExit(): Promise<void>;
  /** Static roles' keys as Vault holds them now (the endpoint reads them again at their rotation). */
  readStaticKeys: StaticKeysReader;
}

const COMMANDS = [
  'iamSwitchboard.addVaultServer',
  'iamSwitchboard.signInToVault',
  'iamSwitchboard.signOutOfVault',
  'iamSwitchboard.leaseCredentials',
  'iamSwitchboard.renewLease',
  'iamSwitchboard.revokeLease',
  'iamSwitchboard.lookupLease',
  'iamSwitchboard.openTerminalWithLease',
  'iamSwitchboard.useLease',
  'iamSwitchboard.useStaticCredentials',
  'iamSwitchboard.openTerminalWithStaticCredentials',
  'iamSwitchboard.refreshVault',
];

export function activateVault(context: vscode.ExtensionContext, deps: VaultDeps): VaultActivation {
  let feature: VaultFeature | undefined;
  const load = lazyFeature(
    context,
    deps.log,
    COMMANDS,
    () => import('./vaultLoaded'),
    (vault) => (feature = vault.startVault(context, deps, { tree, data })),
  );
  const data = new LazyTreeData<unknown>(load);
  const tree = vscode.window.createTreeView('iamSwitchboard.vault', { treeDataProvider: data, showCollapseAll: true });
  context.subscriptions.push(tree, data);
  // Leases saved by an earlier window are followed (expiry, revoke on exit) whether or not the view is shown.
  if (workspaceStateOf(context).get('iamSwitchboard.vault.leases')?.length) {
    // Not left unhandled: its failure is said once, in the error's own sentence (the log holds why).
    load().catch((error: unknown) => showError(deps.log, error, 'Loading Vault to follow saved leases'));
  }
  return {
    // A window that never loaded Vault made no lease: nothing to revoke.
    revokeLeasesOnExit: () => feature?.revokeLeasesOnExit() ?? Promise.resolve(),
    // Only a static role's keys are read again, and only the loaded feature makes them active.
    readStaticKeys: async (origin, signal) => {
      await load();
      return feature!.statics.reread(origin, signal);
    },
  };
}
