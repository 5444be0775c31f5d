// When this window starts using IAM Switchboard, so the credential endpoint takes over terminals only then: a
// folder whose settings activate the extension (to offer its workspace role) must not change the terminals of
// someone who never opens the view. Used means: the AWS Roles view is shown, an identity becomes the session, or
// this workspace used the endpoint before (its reconnected terminals need it back after a reload).
import type * as vscode from 'vscode';
import { workspaceStateOf } from '../configuration/state';
import type { Session } from '../core/session';

export function firstUse(context: vscode.ExtensionContext, session: Session, view: vscode.TreeView<unknown>): Promise<void> {
  return new Promise((resolve) => {
    if (view.visible || session.identity || workspaceStateOf(context).get('iamSwitchboard.endpointPort') !== undefined) {
      resolve();
      return;
    }
    const subscriptions: vscode.Disposable[] = [];
    const done = () => {
      subscriptions.forEach((s) => s.dispose());
      resolve();
    };
    subscriptions.push(
      view.onDidChangeVisibility((e) => e.visible && done()),
      session.onDidChange((identity) => identity && done()),
    );
    context.subscriptions.push(...subscriptions);
  });
}
