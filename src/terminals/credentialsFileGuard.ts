// Endpoint mode at the edge: says at once when the person's shared credentials file gets a section for the
// generated profile (`aws configure` typed in a VS Code terminal writes one), which every terminal would use
// instead of the role, and offers to move it to a profile name of the person's choosing.
import * as vscode from 'vscode';
import { awsConfigFiles } from '../core/aws/config';
import { CredentialsFileGuard, moveGeneratedProfile } from '../core/endpoint/credentialsGuard';
import { TERMINAL_PROFILE } from '../core/endpoint/terminalProfile';
import type { Session } from '../core/session';
import { errorText } from '../core/userError';

/** Starts watching; the returned disposable stops it. */
export function guardCredentialsFile(session: Session, log: vscode.LogOutputChannel): vscode.Disposable {
  const file = awsConfigFiles().credentialsPath;
  const guard = new CredentialsFileGuard(file, () => void warn(file, session, log));
  guard.start();
  return { dispose: () => guard.stop() };
}

async function warn(file: string, session: Session, log: vscode.LogOutputChannel): Promise<void> {
  const role = session.identity?.label ?? 'the role active in IAM Switchboard';
  const message =
    `${file} now has a [${TERMINAL_PROFILE}] section (\`aws configure\` in a VS Code terminal writes one): the AWS CLI and SDKs ` +
    `in every VS Code terminal use it instead of ${role}. Move it to a profile of your own to undo this.`;
  log.warn(message);
  const move = 'Move to Profile…';
  const choice = await vscode.window.showWarningMessage(message, move, 'Open File');
  if (choice === 'Open File') {
    await vscode.window.showTextDocument(vscode.Uri.file(file));
  } else if (choice === move) {
    const name = await vscode.window.showInputBox({
      title: `Move the [${TERMINAL_PROFILE}] section of ${file} to`,
      value: 'my-keys',
      prompt: 'A profile name; use it with --profile NAME or AWS_PROFILE=NAME',
    });
    if (!name) return;
    try {
      await moveGeneratedProfile(file, name);
      void vscode.window.showInformationMessage(
        `Moved to profile '${name}': VS Code terminals are ${role} again; use --profile ${name} for those keys.`,
      );
    } catch (error) {
      void vscode.window.showErrorMessage(`Could not move the section: ${errorText(error)}`);
    }
  }
}
