// For the end-to-end secret scan only: when the test harness names a file in IAM_SWITCHBOARD_MESSAGES_FILE (and
// the extension runs from source, never as an installed extension), every message shown to the person is also
// appended there, so the scan proves no notification ever carried a credential.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

type Show = (message: string, ...rest: unknown[]) => Thenable<unknown>;

export function recordMessagesForTests(context: vscode.ExtensionContext): void {
  const file = process.env.IAM_SWITCHBOARD_MESSAGES_FILE;
  // From source: the checkout itself (the tests link it into code-server's extensions folder, as the demo does), never
  // a packaged copy, which carries no src/.
  if (!file || !fs.existsSync(path.join(context.extensionPath, 'src', 'extension.ts'))) {
    return;
  }
  const window = vscode.window as unknown as Record<string, Show>;
  for (const name of ['showInformationMessage', 'showWarningMessage', 'showErrorMessage', 'setStatusBarMessage']) {
    const original = window[name];
    window[name] = (message: string, ...rest: unknown[]) => {
      fs.appendFileSync(file, `${name}: ${message}\n`);
      return original.call(vscode.window, message, ...rest);
    };
  }
}
