import * as vscode from 'vscode';
import type { GuardrailVerdict } from './core/catalog/guardrails';
import type { Session } from './core/session';
import { formatTimeLeft, WARNING_WINDOW_MS } from './core/time';
import type { Guardrails } from './store/guardrails';
import { type Intervals, Ticker } from './ticker';

/**
 * Active identity and its countdown; warning colours in the last five minutes; a click opens the switcher. A role
 * outside the folder's expected accounts shows in the error colour, a production one with a flame.
 */
export function registerStatusBar(
  context: Pick<vscode.ExtensionContext, 'subscriptions'>,
  session: Session,
  guardrails: Guardrails,
  intervals?: Intervals,
): void {
  const item = vscode.window.createStatusBarItem('iamSwitchboard.identity', vscode.StatusBarAlignment.Left, 50);
  item.name = 'IAM Switchboard';
  item.command = 'iamSwitchboard.switchRole';
  context.subscriptions.push(item, new IdentityStatus(item, session, guardrails, intervals));
}

/**
 * The guardrails' verdict (which reads the settings) is taken when they say it may have changed: the session, the
 * catalog or a setting changed. In between, a ticker only counts down, once a second while there is a countdown,
 * and touches the item only when its text or colour changes.
 */
class IdentityStatus implements vscode.Disposable {
  private verdict: GuardrailVerdict;
  private readonly ticker: Ticker;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly item: vscode.StatusBarItem,
    private readonly session: Session,
    private readonly guardrails: Guardrails,
    intervals?: Intervals,
  ) {
    this.ticker = new Ticker(() => this.countDown(), 1000, intervals);
    this.subscription = guardrails.onDidChange(() => this.update());
    this.verdict = guardrails.verdict();
    this.draw();
  }

  private update(): void {
    this.verdict = this.guardrails.verdict();
    this.draw();
  }

  private draw(): void {
    const { item, verdict } = this;
    const identity = this.session.identity;
    if (!identity) {
      item.text = '$(key) No AWS role';
      item.tooltip = ['IAM Switchboard: click to switch role', verdict.message].filter(Boolean).join('\n\n');
      item.backgroundColor = undefined;
    } else {
      const source =
        identity.origin.kind === 'vault'
          ? 'Vault lease'
          : identity.origin.kind === 'vaultStatic'
            ? 'Vault static keys'
            : identity.origin.kind === 'sso'
              ? 'IAM Identity Center'
              : 'Assumed role';
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
    }
    this.countDown();
    item.show();
  }

  /** The text and colour that move with the time left; the ticker runs while they can still move. */
  private countDown(): void {
    const { item, verdict } = this;
    const identity = this.session.identity;
    const left = this.session.timeLeft();
    this.ticker.run(left !== undefined && left > 0);
    if (!identity) return;
    const icon = verdict.state === 'wrongAccount' ? '$(error)' : verdict.production ? '$(flame)' : '$(key)';
    const text = `${icon} ${identity.label}${left === undefined ? '' : ` $(watch) ${formatTimeLeft(left)}`}`;
    if (item.text !== text) item.text = text;
    // The wrong account outranks the countdown; the countdown outranks the (steady) production colour.
    const expiring = left !== undefined && left < WARNING_WINDOW_MS;
    const background =
      verdict.state === 'wrongAccount'
        ? verdict.statusBarBackground
        : expiring
          ? 'statusBarItem.warningBackground'
          : verdict.statusBarBackground;
    if ((item.backgroundColor as vscode.ThemeColor | undefined)?.id !== background) {
      item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.ticker.dispose();
  }
}
