// Credentials outside VS Code's terminals: "Copy Credentials As…" hands the active role's keys to the clipboard
// in a shell's syntax (after saying that the person now holds them), and "Copy credential_process for Other
// Tools" gives another program on this machine a profile that asks this window's endpoint while it is open, with
// a named Unix domain socket of its own (only this user can connect; no secret on disk) that "Tokens for Other
// Tools" lists and revokes.
import * as vscode from 'vscode';
import { CREDENTIAL_FORMATS, formatCredentials } from '../core/aws/credentialFormats';
import type { Session } from '../core/session';
import { externalProfileName, externalProfileText, newSocketPath, socketFolders } from '../core/endpoint/externalSockets';
import { helperCommand } from '../core/endpoint/terminalProfile';
import { clockTime } from '../core/time';
import { UserError } from '../core/userError';
import { registerCommand } from '../errors';
import type { EndpointHost } from '../terminals/endpointHost';

export function registerCopyCredentials(
  context: vscode.ExtensionContext,
  session: Session,
  endpoint: EndpointHost,
  log: vscode.LogOutputChannel,
): void {
  context.subscriptions.push(
    registerCommand(log, 'iamSwitchboard.copyCredentialsAs', 'Copy credentials', () => copyCredentialsAs(session)),
    registerCommand(log, 'iamSwitchboard.copyCredentialProcess', 'Copy credential_process', () => copyCredentialProcess(context, endpoint)),
    registerCommand(log, 'iamSwitchboard.manageExternalTokens', 'Tokens for Other Tools', () => manageExternalTokens(endpoint)),
  );
}

async function copyCredentialsAs(session: Session): Promise<void> {
  const identity = session.identity;
  if (!identity) {
    throw new UserError('No role is active: assume one first, then copy its credentials.', 'NoSession');
  }
  const picked = await vscode.window.showQuickPick(
    CREDENTIAL_FORMATS.map((f) => ({ label: f.label, format: f.format })),
    { title: `Copy the credentials of ${identity.label} as`, placeHolder: 'Shell or file format' },
  );
  if (!picked) {
    return;
  }
  const text = formatCredentials(identity, picked.format);
  const until = identity.credentials.expiration ? ` until ${clockTime(identity.credentials.expiration)}` : '';
  const copy = 'Copy Keys';
  const answer = await vscode.window.showWarningMessage(
    `Copy the secret keys of ${identity.label} to the clipboard?`,
    {
      modal: true,
      detail: `Whoever reads the clipboard, or wherever you paste them, holds these keys${until}. IAM Switchboard cannot take them back or refresh them there.`,
    },
    copy,
  );
  if (answer !== copy) {
    return;
  }
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage(`Copied the credentials of ${identity.label} (${picked.label})`, 5000);
}

async function copyCredentialProcess(context: vscode.ExtensionContext, endpoint: EndpointHost): Promise<void> {
  const taken = endpoint.externalTokens();
  const name = await vscode.window.showInputBox({
    title: 'Copy credential_process Profile: a name for the tool that will use it',
    prompt: 'Shown in "Tokens for Other Tools", where you can revoke it',
    value: taken.includes('terraform') ? '' : 'terraform',
    validateInput: (value) =>
      !/^[\w .-]{1,40}$/.test(value)
        ? "Use up to 40 letters, digits, spaces, '.', '-' or '_'"
        : taken.includes(value)
          ? 'That name is taken: revoke it first or choose another'
          : undefined,
  });
  if (!name) {
    return;
  }
  const copy = 'Copy Profile';
  const answer = await vscode.window.showWarningMessage(
    `Copy a credential_process profile for "${name}"?`,
    {
      modal: true,
      detail:
        'It gets the active role\'s credentials from this window while it is open, through a socket of its own that only your user can open (no secret is written anywhere). Revoke it in "Tokens for Other Tools".',
    },
    copy,
  );
  if (answer !== copy) {
    return;
  }
  const socket = await newSocketPath(socketFolders(context.globalStorageUri.fsPath), name);
  // The endpoint closes and removes the socket on revoke and when the window closes.
  await endpoint.openExternal(name, socket);
  const helper = helperCommand({
    execPath: process.execPath,
    helperPath: context.asAbsolutePath('dist/credentialHelper.js'),
    electron: !!process.versions.electron,
  });
  await vscode.env.clipboard.writeText(externalProfileText(name, helper, socket));
  vscode.window.setStatusBarMessage(`Copied the profile ${externalProfileName(name)}: it follows this window's role`, 5000);
}

/** Lists the other tools by name; the picked ones lose their socket. */
async function manageExternalTokens(endpoint: EndpointHost): Promise<void> {
  const names = endpoint.externalTokens();
  if (!names.length) {
    void vscode.window.showInformationMessage('No other tool has a token of this window: "Copy credential_process Profile" makes one.');
    return;
  }
  const picked = await vscode.window.showQuickPick(
    names.map((name) => ({ label: name, description: `profile ${externalProfileName(name)}` })),
    { title: 'Tokens for Other Tools: pick the ones to revoke', canPickMany: true },
  );
  for (const { label } of picked ?? []) {
    await endpoint.revokeExternal(label);
  }
  if (picked?.length) {
    vscode.window.setStatusBarMessage(`Revoked ${picked.map((p) => p.label).join(', ')}`, 5000);
  }
}
