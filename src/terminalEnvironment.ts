import * as vscode from 'vscode';
import type { Identity, Session } from './core/session';
import { environmentFor, isolatedEnvironment, MANAGED_VARIABLES, PROFILE_VARIABLES } from './core/terminalEnv';

/**
 * Mirrors the session into every new terminal (and debug/task processes that read the collection).
 * `persistent = false` keeps credentials out of VS Code's storage: they live in memory for this window only.
 */
export function registerTerminalEnvironment(context: vscode.ExtensionContext, session: Session, log: vscode.LogOutputChannel): void {
  const collection = context.environmentVariableCollection;
  collection.persistent = false;
  collection.clear();
  let warned = false;
  context.subscriptions.push(
    session.onDidChange((identity) => {
      apply(collection, identity);
      if (identity && !warned) {
        warned = warnAboutInheritedProfile(log, identity);
      }
    }),
  );
}

function apply(collection: vscode.GlobalEnvironmentVariableCollection, identity: Identity | undefined): void {
  collection.clear();
  if (!identity) {
    collection.description = undefined;
    return;
  }
  const env = environmentFor(identity);
  for (const name of MANAGED_VARIABLES) {
    // An empty value hides a stale inherited one (say AWS_SESSION_TOKEN next to Vault iam_user keys); the CLI
    // and the SDKs treat empty as unset.
    collection.replace(name, env[name] ?? '');
  }
  collection.description = new vscode.MarkdownString(`AWS credentials of **${identity.label}** from IAM Switchboard`);
}

/** Says once, with a way out, that SDK-based tools in ordinary terminals would follow an inherited profile. */
function warnAboutInheritedProfile(log: vscode.LogOutputChannel, identity: Identity): boolean {
  const inherited = PROFILE_VARIABLES.filter((name) => process.env[name]);
  if (!inherited.length) {
    return false;
  }
  const message =
    `${inherited.join(' and ')} is set in VS Code's environment, and tools built on the AWS SDKs (CDK, Serverless, scripts) ` +
    `prefer it over ${identity.label}'s credentials in ordinary terminals. Use "Open Terminal as Role", or unset it before starting VS Code.`;
  log.warn(message);
  void vscode.window.showWarningMessage(message, 'Open Terminal as Role').then((choice) => choice && openTerminalAs(identity));
  return true;
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
