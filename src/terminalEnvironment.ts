import * as vscode from 'vscode';
import type { Identity, Session } from './core/session';
import { environmentFor, isolatedEnvironment, PROFILE_VARIABLES } from './core/terminalEnv';

/**
 * Mirrors the session into every new terminal (and debug/task processes that read the collection).
 * `persistent = false` keeps credentials out of VS Code's storage: they live in memory for this window only.
 */
export function registerTerminalEnvironment(context: vscode.ExtensionContext, session: Session, log: vscode.LogOutputChannel): void {
  const collection = context.environmentVariableCollection;
  collection.persistent = false;
  collection.clear();
  warnAboutInheritedProfile(log);
  context.subscriptions.push(session.onDidChange((identity) => apply(collection, identity)));
}

function apply(collection: vscode.GlobalEnvironmentVariableCollection, identity: Identity | undefined): void {
  collection.clear();
  if (!identity) {
    collection.description = undefined;
    return;
  }
  for (const [name, value] of Object.entries(environmentFor(identity))) {
    collection.replace(name, value);
  }
  collection.description = new vscode.MarkdownString(`AWS credentials of **${identity.label}** from IAM Switchboard`);
}

function warnAboutInheritedProfile(log: vscode.LogOutputChannel): void {
  const inherited = PROFILE_VARIABLES.filter((name) => process.env[name]);
  if (inherited.length) {
    log.warn(
      `${inherited.join(' and ')} is set in VS Code's environment; tools built on the AWS SDK for JavaScript prefer it over ` +
        `the role's credentials. Use "Open Terminal as Role", whose terminals unset it.`,
    );
  }
}

/**
 * A terminal that is `identity` regardless of the active session: `strictEnv` stops the shared collection from
 * being applied on top, so two terminals can be two roles at once.
 */
export function openTerminalAs(identity: Identity): vscode.Terminal {
  const terminal = vscode.window.createTerminal({
    name: `AWS: ${identity.label}`,
    iconPath: new vscode.ThemeIcon('key'),
    env: isolatedEnvironment(process.env, identity),
    strictEnv: true,
    isTransient: true,
  });
  terminal.show();
  return terminal;
}
