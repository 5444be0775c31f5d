import * as vscode from 'vscode';
import type { Session } from './core/session';
import { formatTimeLeft, WARNING_WINDOW_MS } from './core/time';

/** Active identity and its countdown; warning colours in the last five minutes; a click opens the switcher. */
export function registerStatusBar(context: vscode.ExtensionContext, session: Session): void {
  const item = vscode.window.createStatusBarItem('iamSwitchboard.identity', vscode.StatusBarAlignment.Left, 50);
  item.name = 'IAM Switchboard';
  item.command = 'iamSwitchboard.switchRole';
  const timer = setInterval(() => render(item, session), 1000);
  context.subscriptions.push(item, session.onDidChange(() => render(item, session)), { dispose: () => clearInterval(timer) });
  render(item, session);
}

function render(item: vscode.StatusBarItem, session: Session): void {
  const identity = session.identity;
  if (!identity) {
    item.text = '$(key) No AWS role';
    item.tooltip = 'IAM Switchboard: click to switch role';
    item.backgroundColor = undefined;
    item.show();
    return;
  }
  const left = session.timeLeft();
  const source = identity.origin.kind === 'vault' ? 'Vault lease' : identity.origin.kind === 'sso' ? 'IAM Identity Center' : 'Assumed role';
  item.text = `$(key) ${identity.label}${left === undefined ? '' : ` $(watch) ${formatTimeLeft(left)}`}`;
  item.tooltip = new vscode.MarkdownString(
    [`**${identity.label}** (${source})`, identity.arn ?? '', identity.credentials.expiration ? `Expires ${identity.credentials.expiration.toLocaleString()}` : '', 'Click to switch role']
      .filter(Boolean)
      .join('\n\n'),
  );
  item.backgroundColor = left !== undefined && left < WARNING_WINDOW_MS ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  item.show();
}
