// Mirrors the session into every new terminal and task (VS Code's environment variable collection).
// `persistent = false` keeps credentials out of VS Code's storage: they live in memory for this window only.
import * as vscode from 'vscode';
import type { Identity, Session } from '../core/session';
import { environmentFor, MANAGED_VARIABLES, PROFILE_VARIABLES } from '../core/terminalEnv';

export function registerEnvironmentCollection(context: vscode.ExtensionContext, session: Session, log: vscode.LogOutputChannel, openPinned: (identity: Identity) => void): void {
  const collection = context.environmentVariableCollection;
  collection.persistent = false;
  collection.clear();
  let applied: Record<string, string> | undefined;
  let warned = false;
  context.subscriptions.push(
    session.onDidChange((identity) => {
      const env = identity ? collectionValues(identity) : undefined;
      // The same values again (a renewed lease keeps its keys) must not mark every terminal stale.
      if (!sameValues(env, applied)) {
        apply(collection, identity, env);
        applied = env;
      }
      if (identity && !warned) {
        warned = warnAboutInheritedProfile(log, identity, openPinned);
      }
    }),
  );
}

/** Every managed variable: an empty value hides a stale inherited one; the CLI and the SDKs treat empty as unset. */
function collectionValues(identity: Identity): Record<string, string> {
  const env = environmentFor(identity);
  return Object.fromEntries(MANAGED_VARIABLES.map((name) => [name, env[name] ?? '']));
}

function sameValues(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  if (!a || !b) {
    return a === b;
  }
  return MANAGED_VARIABLES.every((name) => a[name] === b[name]);
}

function apply(collection: vscode.GlobalEnvironmentVariableCollection, identity: Identity | undefined, env: Record<string, string> | undefined): void {
  collection.clear();
  if (!identity || !env) {
    collection.description = undefined;
    return;
  }
  for (const [name, value] of Object.entries(env)) {
    collection.replace(name, value);
  }
  collection.description = new vscode.MarkdownString(`AWS credentials of **${identity.label}** from IAM Switchboard`);
}

/** Says once, with a way out, that SDK-based tools in ordinary terminals would follow an inherited profile. */
function warnAboutInheritedProfile(log: vscode.LogOutputChannel, identity: Identity, openPinned: (identity: Identity) => void): boolean {
  const inherited = PROFILE_VARIABLES.filter((name) => process.env[name]);
  if (!inherited.length) {
    return false;
  }
  const message =
    `${inherited.join(' and ')} is set in VS Code's environment, and tools built on the AWS SDKs (CDK, Serverless, scripts) ` +
    `prefer it over ${identity.label}'s credentials in ordinary terminals. Use "Open Terminal as Role", or unset it before starting VS Code.`;
  log.warn(message);
  void vscode.window.showWarningMessage(message, 'Open Terminal as Role').then((choice) => choice && openPinned(identity));
  return true;
}
