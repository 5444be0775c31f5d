// Only wiring: each feature registers itself. Activation does no I/O and loads no SDK (see src/core/sdk.ts).
import * as vscode from 'vscode';
import { Session } from './core/session';
import { registerTerminalEnvironment } from './terminalEnvironment';
import { registerStatusBar } from './statusBar';
import { registerRoleSwitcher } from './commands/roles';
import { registerVault, VaultRegistration } from './commands/vault';
import { registerTerraformCommands } from './commands/terraform';

// What deactivate() needs, handed back by registration (VS Code calls deactivate without arguments).
let vault: VaultRegistration | undefined;

export function activate(context: vscode.ExtensionContext): { session: Session } | undefined {
  const log = vscode.window.createOutputChannel('IAM Switchboard', { log: true });
  const session = new Session();
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('iamSwitchboard.showLog', () => log.show()),
    session.onDidChange((identity) => {
      void vscode.commands.executeCommand('setContext', 'iamSwitchboard.hasSession', identity !== undefined);
    }),
  );
  registerTerminalEnvironment(context, session, log);
  registerStatusBar(context, session);
  registerRoleSwitcher(context, { session, log });
  vault = registerVault(context, { session, log });
  registerTerraformCommands(context, log);
  // Only the extension-host tests get the session: other extensions must never reach the credentials.
  return context.extensionMode === vscode.ExtensionMode.Test ? { session } : undefined;
}

export function deactivate(): Promise<void> {
  return vault?.revokeLeasesOnExit() ?? Promise.resolve();
}
