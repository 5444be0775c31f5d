import * as vscode from 'vscode';
import type { Session } from './core/session';
import { formatTimeLeft, WARNING_WINDOW_MS } from './core/time';
import type { Guardrails } from './store/guardrails';

/**
 * Active identity and its countdown; warning colours in the last five minutes; a click opens the switcher. A role
 * outside the folder's expected accounts shows in the error colour, a production one with a flame.
 */
/** Terminals that do not follow the active role (terminals/notFollowing.ts). */
export interface NotFollowing {
  names(): string[];
  onDidChange: vscode.Event<void>;
}

export function registerStatusBar(
  context: vscode.ExtensionContext,
  session: Session,
  guardrails: Guardrails,
  notFollowing?: NotFollowing,
): void {
  const item = vscode.window.createStatusBarItem('iamSwitchboard.identity', vscode.StatusBarAlignment.Left, 50);
  item.name = 'IAM Switchboard';
  item.command = 'iamSwitchboard.switchRole';
  const draw = () => {
    render(item, session, guardrails);
    markNotFollowing(item, notFollowing?.names() ?? []);
  };
  const timer = setInterval(draw, 1000);
  context.subscriptions.push(item, session.onDidChange(draw), guardrails.onDidChange(draw), { dispose: () => clearInterval(timer) });
  if (notFollowing) {
    context.subscriptions.push(notFollowing.onDidChange(draw));
  }
  draw();
}

/** Says it until they are relaunched or closed: a warning sign after the role, and which terminals in the tooltip. */
function markNotFollowing(item: vscode.StatusBarItem, names: string[]): void {
  if (names.length === 0) {
    return;
  }
  item.text += ` $(warning) ${names.length} terminal${names.length === 1 ? '' : 's'} not following`;
  const line = `$(warning) Not following this role: ${names.map((n) => `'${n}'`).join(', ')} (opened before IAM Switchboard took over). Run "IAM Switchboard: Relaunch Terminals" or close ${names.length === 1 ? 'it' : 'them'}.`;
  const tooltip = new vscode.MarkdownString(`${line}\n\n${typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? '')}`);
  tooltip.supportThemeIcons = true;
  item.tooltip = tooltip;
}

function render(item: vscode.StatusBarItem, session: Session, guardrails: Guardrails): void {
  const identity = session.identity;
  const verdict = guardrails.verdict();
  if (!identity) {
    item.text = '$(key) No AWS role';
    item.tooltip = ['IAM Switchboard: click to switch role', verdict.message].filter(Boolean).join('\n\n');
    item.backgroundColor = undefined;
    item.show();
    return;
  }
  const left = session.timeLeft();
  const source =
    identity.origin.kind === 'vault'
      ? 'Vault lease'
      : identity.origin.kind === 'vaultStatic'
        ? 'Vault static keys'
        : identity.origin.kind === 'sso'
          ? 'IAM Identity Center'
          : 'Assumed role';
  const icon = verdict.state === 'wrongAccount' ? '$(error)' : verdict.production ? '$(flame)' : '$(key)';
  item.text = `${icon} ${identity.label}${left === undefined ? '' : ` $(watch) ${formatTimeLeft(left)}`}`;
  const tooltip = new vscode.MarkdownString(
    [
      `**${identity.label}** (${source})`,
      identity.arn ?? '',
      verdict.message ? `$(warning) ${verdict.message}` : '',
      identity.credentials.expiration ? `Expires ${identity.credentials.expiration.toLocaleString()}` : '',
      'Click to switch role',
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
  tooltip.supportThemeIcons = true;
  item.tooltip = tooltip;
  // The wrong account outranks the countdown; the countdown outranks the (steady) production colour.
  const expiring = left !== undefined && left < WARNING_WINDOW_MS;
  const background =
    verdict.state === 'wrongAccount'
      ? verdict.statusBarBackground
      : expiring
        ? 'statusBarItem.warningBackground'
        : verdict.statusBarBackground;
  item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
  item.show();
}
