// How every terminal and task (VS Code's environment variable collection) gets the active role.
// Endpoint mode: the same token, endpoint and generated config for the whole window, whatever the role, so a
// switch reaches every terminal at its next AWS call and VS Code never shows its relaunch hint.
// Environment mode: the session's keys, for new terminals only. `persistent = false` either way: nothing of it
// is kept in VS Code's storage.
import * as vscode from 'vscode';
import type { Settings } from '../configuration/settings';
import type { Identity, Session } from '../core/session';
import { environmentFor, type EnvironmentCollectionChanges, MANAGED_VARIABLES, PROFILE_VARIABLES } from '../core/endpoint/terminalEnv';
import type { EndpointHost } from './endpointHost';
import { guardCredentialsFile } from './credentialsFileGuard';
import { errorText } from '../core/userError';

interface EnvironmentCollectionDeps {
  session: Session;
  log: vscode.LogOutputChannel;
  settings: () => Settings;
  endpoint: EndpointHost;
  openPinned: (identity: Identity) => void;
  /** Resolves when the window starts using IAM Switchboard (firstUse.ts): the endpoint takes over terminals then. */
  used: Promise<void>;
  /**
   * Called once the endpoint reaches every new terminal: the ones open already do not follow (notFollowing.ts), but
   * for the ones VS Code reconnected after a reload when the endpoint `resumed` its token from before.
   */
  tookOver?: (resumed: boolean) => void;
}

export function registerEnvironmentCollection(context: vscode.ExtensionContext, deps: EnvironmentCollectionDeps): void {
  const collection = context.environmentVariableCollection;
  collection.persistent = false;
  const { session, log } = deps;
  let applied: Record<string, string> | undefined;
  /** Endpoint mode, its collection set: new terminals get the following token. */
  let following = false;
  let warned = false;
  let mode = deps.settings().terminalCredentials;
  /** Endpoint mode only: a [iam-switchboard] section in the credentials file would beat the generated profile. */
  let guard: vscode.Disposable | undefined;
  const applyMode = () => {
    collection.clear();
    applied = undefined;
    following = false;
    guard?.dispose();
    guard = undefined;
    if (mode === 'endpoint') {
      void deps.used
        .then(() => deps.endpoint.start())
        .then(
          (running) => {
            if (mode === 'endpoint') {
              applyEndpoint(collection, running.collection);
              following = true;
              deps.tookOver?.(running.resumed);
              guard ??= guardCredentialsFile(session, log);
            }
          },
          (error: unknown) => log.error(`The credential endpoint did not start: ${errorText(error)}`),
        );
    } else if (session.identity) {
      applied = collectionValues(session.identity);
      apply(collection, session.identity, applied);
    }
  };
  applyMode();
  context.subscriptions.push(
    { dispose: () => guard?.dispose() },
    // Their processes tell the next window whether this one was reloaded (the token is kept) or quit (it is not).
    vscode.window.onDidOpenTerminal((terminal) => {
      if (following) void terminal.processId.then((pid) => (pid === undefined ? undefined : deps.endpoint.followedBy(pid)));
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('iamSwitchboard.terminalCredentials') && deps.settings().terminalCredentials !== mode) {
        mode = deps.settings().terminalCredentials;
        applyMode();
      }
    }),
    session.onDidChange((identity) => {
      if (mode === 'endpoint') {
        return; // the endpoint resolves the session at each request
      }
      const env = identity ? collectionValues(identity) : undefined;
      // The same values again (a renewed lease keeps its keys) must not mark every terminal stale.
      if (!sameValues(env, applied)) {
        apply(collection, identity, env);
        applied = env;
      }
      if (identity && !warned) {
        warned = warnAboutInheritedProfile(log, identity, deps.openPinned);
      }
    }),
  );
}

function applyEndpoint(collection: vscode.GlobalEnvironmentVariableCollection, changes: EnvironmentCollectionChanges): void {
  collection.clear();
  for (const [name, value] of Object.entries(changes.replace)) {
    collection.replace(name, value);
  }
  for (const [name, value] of Object.entries(changes.prepend)) {
    collection.prepend(name, value);
  }
  collection.description = new vscode.MarkdownString(
    'AWS credentials of the role active in **IAM Switchboard**, fetched at each AWS call (no keys in the environment)',
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

function apply(
  collection: vscode.GlobalEnvironmentVariableCollection,
  identity: Identity | undefined,
  env: Record<string, string> | undefined,
): void {
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
