// Move Access Keys to the Keychain: for the profiles the person picks, the change to ~/.aws/credentials is shown
// (secrets masked) with what is known about the keychain's strength, and only after they agree are the keys stored
// in SecretStorage, the window's keychain socket started and the key lines replaced by a credential_process line.
import * as vscode from 'vscode';
import { awsConfigFiles } from '../core/aws/config';
import { readConfigText, replaceFileText } from '../core/aws/configBlock';
import { commandLine, helperCommand } from '../core/endpoint/terminalProfile';
import { type FileKey, fileKeys, keychainProfiles, planKeyMove, planKeyReturn } from '../core/keys/credentialsFile';
import { keychainArguments } from '../core/keys/keychainSocket';
import { keychainWarning, readPasswordStore } from '../core/keys/keychainStrength';
import { errorText, UserError } from '../core/userError';
import type { KeychainKeys } from '../store/keychainKeys';
import type { SourceNode } from '../treeViews/roleTree';

export interface MoveKeysDeps {
  keys: KeychainKeys;
  log: vscode.LogOutputChannel;
  /** The helper's path and the sockets' folder that serve() uses, found without copying or starting anything. */
  place(): { helperPath: string; folder: string };
  /** Starts this window's keychain socket (and its helper copy); the helper's path and the sockets' folder. */
  serve(): Promise<{ helperPath: string; folder: string }>;
}

/** From a central profile's row in the AWS Roles view: that profile only. */
type MoveKeysArgs = Pick<SourceNode, 'profile'>;

export function registerMoveKeys(context: vscode.ExtensionContext, deps: MoveKeysDeps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('iamSwitchboard.moveKeysToKeychain', async (node?: MoveKeysArgs) => {
      try {
        await moveKeys(deps, node?.profile);
      } catch (error) {
        deps.log.error(`Move Access Keys to the Keychain: ${errorText(error)}`);
        void vscode.window.showErrorMessage(error instanceof UserError ? error.message : `Could not move the keys: ${errorText(error)}`);
      }
    }),
    vscode.commands.registerCommand('iamSwitchboard.moveKeysToFile', async (node?: MoveKeysArgs) => {
      try {
        await moveKeysBack(deps, node?.profile);
      } catch (error) {
        deps.log.error(`Move Access Keys Back to the File: ${errorText(error)}`);
        void vscode.window.showErrorMessage(
          error instanceof UserError ? error.message : `Could not move the keys back: ${errorText(error)}`,
        );
      }
    }),
  );
}

async function moveKeys(deps: MoveKeysDeps, only: string | undefined): Promise<void> {
  const file = awsConfigFiles().credentialsPath;
  const text = (await readConfigText(file)) ?? '';
  const candidates = fileKeys(text).map((k) => k.profile);
  if (only !== undefined && !candidates.includes(only)) {
    void vscode.window.showInformationMessage(`Profile '${only}' has no long-lived access key of its own in ${file} to move.`);
    return;
  }
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`No profile in ${file} has a long-lived access key to move.`);
    return;
  }
  const profiles = only !== undefined ? [only] : await pickProfiles(candidates);
  if (!profiles?.length) return;
  const warning = keychainWarning({
    platform: process.platform,
    web: vscode.env.uiKind === vscode.UIKind.Web,
    remote: vscode.env.remoteName !== undefined,
    env: process.env,
    passwordStore: await readPasswordStore(vscode.env.appRoot),
  });
  const { helperPath, folder } = deps.place();
  const helper = helperCommand({ execPath: process.execPath, helperPath, electron: !!process.versions.electron });
  const plan = planKeyMove(text, profiles, (profile) => commandLine([...helper, ...keychainArguments(profile, folder)]), file);
  const names = profiles.map((p) => `'${p}'`).join(', ');
  const detail = [
    warning && `${warning.level === 'weak' ? 'Weak keychain' : 'Keychain may be weak'}: ${warning.message}`,
    `The keys go into VS Code's keychain and these lines of ${file} change (secrets shown as ********):`,
    plan.preview,
  ]
    .filter(Boolean)
    .join('\n\n');
  const move = warning?.level === 'weak' ? 'Move Anyway' : 'Move Keys';
  const answer = await vscode.window.showWarningMessage(
    `Move the access keys of ${names} to VS Code's keychain?`,
    { modal: true, detail },
    move,
  );
  if (answer !== move) return;
  // Only now, after the person's yes: the helper copied and this window's socket started, where the lines say.
  const served = await deps.serve();
  if (served.helperPath !== helperPath || served.folder !== folder) {
    throw new UserError(
      `This window serves keys from ${served.folder}, not the folder the change named: nothing was changed; run Move Access Keys to the Keychain again.`,
      'KeychainPlaceChanged',
    );
  }
  for (const { profile, key } of plan.moved) {
    await deps.keys.replace(profile, key);
  }
  await replaceFileText(
    file,
    plan.before,
    plan.after,
    `${file} changed while the change was shown: nothing was written; run Move Access Keys to the Keychain again.`,
  );
  await deps.keys.remember(profiles, folder);
  deps.log.info(`Moved the access keys of ${names} from ${file} to the keychain.`);
  void vscode.window.showInformationMessage(
    `The access keys of ${names} are in VS Code's keychain, no longer in ${file}: the AWS CLI and SDKs get them through credential_process while a VS Code window is open.`,
  );
}

async function pickProfiles(candidates: string[]): Promise<string[] | undefined> {
  const picked = await vscode.window.showQuickPick(
    candidates.map((profile) => ({ label: profile, picked: true })),
    {
      canPickMany: true,
      title: 'Move Access Keys to the Keychain',
      placeHolder: 'Profiles whose long-lived keys leave ~/.aws/credentials',
    },
  );
  return picked?.map((item) => item.label);
}

/** The way back: the keys written into the file again, in plain text, after the person agrees; then out of the keychain. */
async function moveKeysBack(deps: MoveKeysDeps, only: string | undefined): Promise<void> {
  const file = awsConfigFiles().credentialsPath;
  const text = (await readConfigText(file)) ?? '';
  const keys: FileKey[] = [];
  for (const profile of keychainProfiles(text)) {
    const key = only === undefined || only === profile ? await deps.keys.read(profile) : undefined;
    if (key) keys.push({ profile, key });
  }
  if (keys.length === 0) {
    void vscode.window.showInformationMessage(`No profile in ${file} reads a key from this VS Code's keychain.`);
    return;
  }
  const picked = only !== undefined ? keys.map((k) => k.profile) : await pickProfiles(keys.map((k) => k.profile));
  if (!picked?.length) return;
  const plan = planKeyReturn(
    text,
    keys.filter((k) => picked.includes(k.profile)),
    file,
  );
  const names = picked.map((p) => `'${p}'`).join(', ');
  const detail = `Anyone who can read ${file} can then use them. These lines change (secrets shown as ********):\n\n${plan.preview}`;
  const answer = await vscode.window.showWarningMessage(
    `Write the access keys of ${names} back into ${file}, in plain text?`,
    { modal: true, detail },
    'Write Keys',
  );
  if (answer !== 'Write Keys') return;
  await replaceFileText(
    file,
    plan.before,
    plan.after,
    `${file} changed while the change was shown: nothing was written; run Move Access Keys Back to the File again.`,
  );
  for (const profile of picked) await deps.keys.remove(profile);
  deps.log.info(`Moved the access keys of ${names} from the keychain back to ${file}.`);
  void vscode.window.showInformationMessage(`The access keys of ${names} are in ${file} again, and no longer in VS Code's keychain.`);
}
