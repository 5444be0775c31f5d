// Key age and rotation (issue 23), wired in one place: the central users' key facts behind the AWS Roles view's
// source rows (looked up on hover, never at activation) and the Rotate Access Key command (loaded on its first use). `holder` is the keychain
// (store/keychainKeys.ts), where a rotated key is kept.
import type * as vscode from 'vscode';
import type { Settings } from '../configuration/settings';
import type { KeyHolder } from '../core/keys/accessKey';
import { AccessKeyFacts } from '../store/accessKeyFacts';
import type { RoleCatalogStore } from '../store/roleCatalogStore';
import type { RoleTreeProvider } from '../treeViews/roleTree';
import { lazyFeature } from './lazy';

interface KeyRotationDeps {
  catalog: RoleCatalogStore;
  tree: RoleTreeProvider;
  settings: () => Settings;
  log: vscode.LogOutputChannel;
  /** The keychain; it also forgets what was resolved from a replaced key (features/keys.ts). */
  holder: KeyHolder;
}

export function activateKeyRotation(context: vscode.ExtensionContext, deps: KeyRotationDeps): void {
  const facts = new AccessKeyFacts(deps);
  deps.tree.describeKeysWith(facts);
  context.subscriptions.push(
    facts,
    // Refresh or a changed file: the next hover asks IAM again.
    deps.catalog.onDidChange(() => facts.forget()),
    // A key's age just learned shows on its row.
    facts.onDidChange(() => void deps.tree.redrawChanged()),
  );
  // The command and the rotation itself load on first use.
  lazyFeature(
    context,
    deps.log,
    ['iamSwitchboard.rotateAccessKey'],
    () => import('../commands/rotateKey'),
    (rotate) =>
      rotate.registerRotateAccessKey(context, {
        ...deps,
        rotated: (profile) => {
          facts.forget(profile);
          deps.tree.refresh();
        },
      }),
  );
}
