// Rotate Access Key: from a central user's row in the AWS Roles view, or the palette (then a profile is picked).
// The new key goes where the old one is kept, the keychain; a key still in ~/.aws/credentials is moved there first
// (Move Access Keys to the Keychain), so a rotated key is never written to a file.
import * as vscode from 'vscode';
import type { KeyHolder } from '../core/keys/accessKey';
import { ageInDays, type KeyFacts, timeAgo } from '../core/keys/keyAge';
import { mfaSerialOf, profileKey } from '../core/keys/profileKey';
import { rotateAccessKey } from '../core/keys/rotation';
import { registerCommand } from '../errors';
import type { Settings } from '../configuration/settings';
import { MfaPrompt } from '../store/mfaPrompt';
import type { RoleCatalogStore } from '../store/roleCatalogStore';
import type { SourceNode } from '../treeViews/roleTree';

/** Moves a profile's key lines from the file into the keychain (commands/moveKeys.ts). */
export const MOVE_KEYS_COMMAND = 'iamSwitchboard.moveKeysToKeychain';

type RotateArgs = Pick<SourceNode, 'profile'>;

export interface RotateKeyDeps {
  catalog: RoleCatalogStore;
  settings: () => Settings;
  log: vscode.LogOutputChannel;
  holder: KeyHolder;
  /** The profile's key changed: what was shown or cached of the old one is stale. */
  rotated: (profile: string) => void;
}

export function registerRotateAccessKey(context: vscode.ExtensionContext, deps: RotateKeyDeps): void {
  const mfa = new MfaPrompt();
  context.subscriptions.push(
    registerCommand<RotateArgs>(deps.log, 'iamSwitchboard.rotateAccessKey', 'Rotate access key', (arg) => rotate(deps, mfa, arg?.profile)),
  );
}

async function rotate(deps: RotateKeyDeps, mfa: MfaPrompt, chosen: string | undefined): Promise<void> {
  const { config } = await deps.catalog.get();
  const profile =
    chosen ??
    (await pickProfile(
      deps,
      [...config.profiles.values()].filter((p) => p.credentialKind === 'static' || deps.holder.holds(p.name)).map((p) => p.name),
    ));
  if (profile === undefined) return;
  let found = await profileKey(profile, config, deps.holder);
  if (found?.where === 'file') {
    if (!(await moveToKeychainFirst(profile))) return;
    found = await profileKey(profile, (await deps.catalog.get()).config, deps.holder);
    if (found?.where !== 'keychain') return; // the move was cancelled or said why it failed
  }
  if (!found) {
    void vscode.window.showErrorMessage(
      `Profile '${profile}' has no long-lived access key to rotate: rotate the keys of the IAM user behind it.`,
    );
    return;
  }
  const settings = deps.settings();
  const rotation = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Rotating the access key of profile '${profile}'…`, cancellable: true },
    (_progress, token) => {
      const cancel = new AbortController();
      token.onCancellationRequested(() => cancel.abort());
      return rotateAccessKey({
        profile,
        holder: deps.holder,
        iamEndpoint: settings.iamEndpoint,
        stsEndpoint: settings.stsEndpoint,
        region: settings.region,
        timeoutMs: settings.requestTimeoutMs,
        signal: cancel.signal,
        log: (line) => deps.log.info(line),
        mfaSerial: mfaSerialOf(profile, config),
        mfaCode: (serial) => mfa.ask(serial),
        confirmDeleteOther: (other) => confirmDeleteOther(profile, other),
      }).finally(() => deps.rotated(profile));
    },
  );
  const extra = rotation.deletedOtherKeyId ? ` and the unused ${rotation.deletedOtherKeyId}` : '';
  void vscode.window.showInformationMessage(
    `Rotated the access key of profile '${profile}': ${rotation.newKeyId} is in use, ${rotation.oldKeyId}${extra} deleted.`,
  );
}

async function pickProfile(deps: RotateKeyDeps, fileProfiles: string[]): Promise<string | undefined> {
  const roles = (await deps.catalog.get()).catalog.roles;
  const sources = roles.flatMap((r) => (r.source?.kind === 'profile' ? [r.source.profile] : []));
  const names = [...new Set([...sources, ...fileProfiles])].sort();
  if (names.length === 0) {
    void vscode.window.showInformationMessage(
      'No profile in ~/.aws/config is the source of a role or holds an access key: nothing to rotate.',
    );
    return undefined;
  }
  return vscode.window.showQuickPick(names, { title: 'Rotate Access Key', placeHolder: 'The profile whose IAM user key to rotate' });
}

/**
 * A key in ~/.aws/credentials: rotation would have to write the new one there. It is moved to the keychain first
 * (commands/moveKeys.ts), after the person's yes.
 */
async function moveToKeychainFirst(profile: string): Promise<boolean> {
  const move = 'Move to Keychain and Rotate';
  const choice = await vscode.window.showWarningMessage(
    `The key of profile '${profile}' is in ~/.aws/credentials. A rotated key is never written to a file: move this one to the keychain first?`,
    { modal: true },
    move,
  );
  if (choice !== move) return false;
  await vscode.commands.executeCommand(MOVE_KEYS_COMMAND, { profile });
  return true;
}

async function confirmDeleteOther(profile: string, other: KeyFacts): Promise<boolean> {
  const age = other.createdAt ? `, created ${ageInDays(other.createdAt)} days ago` : '';
  const used = other.lastUsedAt ? `, last used ${timeAgo(other.lastUsedAt)}` : other.lastUseKnown ? ', never used' : '';
  const remove = 'Delete It and Rotate';
  const choice = await vscode.window.showWarningMessage(
    `Your IAM user already has two access keys, the most AWS allows. To rotate the key of profile '${profile}', the other one, ${other.accessKeyId} (${other.status}${age}${used}), would be deleted first: anything still using it stops working.`,
    { modal: true },
    remove,
  );
  return choice === remove;
}
