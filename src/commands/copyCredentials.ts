// Credentials outside VS Code's terminals: "Copy Credentials As…" hands the active role's keys to the clipboard
// in a shell's syntax (after saying that the person now holds them), and "Copy credential_process for Other
// Tools" gives another program on this machine a profile that asks this window's endpoint while it is open.
import * as vscode from 'vscode';
import { CREDENTIAL_FORMATS, formatCredentials } from '../core/aws/credentialFormats';
import type { Session } from '../core/session';
import { commandLine, helperCommand } from '../core/endpoint/terminalProfile';
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
  const until = identity.credentials.expiration ? ` until ${identity.credentials.expiration.toLocaleTimeString()}` : '';
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
  const running = await endpoint.start();
  const token = await endpoint.issue();
  const argv = [
    '/usr/bin/env',
    `AWS_CONTAINER_CREDENTIALS_FULL_URI=${running.endpointUrl}`,
    `AWS_CONTAINER_AUTHORIZATION_TOKEN=${token}`,
    ...helperCommand({
      execPath: process.execPath,
      helperPath: context.asAbsolutePath('dist/credentialHelper.js'),
      electron: !!process.versions.electron,
    }).filter((a) => a !== '/usr/bin/env'),
  ];
  const text = `[profile vscode]\n# Follows the role active in this VS Code window, while the window is open.\ncredential_process = ${commandLine(argv)}\n`;
  const copy = 'Copy Profile';
  const answer = await vscode.window.showWarningMessage(
    'Copy a credential_process profile for another tool on this machine?',
    {
      modal: true,
      detail:
        "It holds a token that gets the active role's credentials from this window while it is open. Paste it into that tool's AWS config; anyone who can read that file can use the role while this window runs.",
    },
    copy,
  );
  if (answer !== copy) {
    endpoint.revoke(token);
    return;
  }
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage("Copied a credential_process profile that follows this window's role", 5000);
}
