import * as vscode from 'vscode';
import type { GuardrailVerdict } from './core/catalog/guardrails';
import type { Session } from './core/session';
import { clockTime, formatTimeLeft, WARNING_WINDOW_MS } from './core/time';
import type { Guardrails } from './store/guardrails';
import { type Intervals, Ticker } from './ticker';

/**
 * Active identity and its countdown; warning colours in the last five minutes; a click opens the switcher. A role
 * outside the folder's expected accounts shows in the error colour, a production one with a flame.
 */
/** Terminals that do not follow the active role (terminals/notFollowing.ts). */
interface NotFollowing {
  names(): string[];
  onDidChange: vscode.Event<void>;
}

export function registerStatusBar(
  context: Pick<vscode.ExtensionContext, 'subscriptions'>,
  session: Session,
  guardrails: Guardrails,
  options: { notFollowing?: NotFollowing; intervals?: Intervals } = {},
): void {
  const item = vscode.window.createStatusBarItem('iamSwitchboard.identity', vscode.StatusBarAlignment.Left, 50);
  item.name = 'IAM Switchboard';
  item.command = 'iamSwitchboard.switchRole';
  context.subscriptions.push(item, new IdentityStatus(item, session, guardrails, options.notFollowing, options.intervals));
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
    private readonly notFollowing?: NotFollowing,
    intervals?: Intervals,
  ) {
    this.ticker = new Ticker(() => this.countDown(), 1000, intervals);
    this.subscription = vscode.Disposable.from(
      guardrails.onDidChange(() => this.update()),
      ...(notFollowing ? [notFollowing.onDidChange(() => this.draw())] : []),
    );
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
          identity.credentials.expiration ? `Expires ${clockTime(identity.credentials.expiration)}` : '',
          'Click to switch role',
        ]
          .filter(Boolean)
          .join('\n\n'),
      );
      tooltip.supportThemeIcons = true;
      item.tooltip = tooltip;
    }
    this.markNotFollowing();
    this.countDown();
    item.show();
  }

  /** Says it until they are relaunched or closed: which terminals, in the tooltip (the text says how many). */
  private markNotFollowing(): void {
    const names = this.notFollowing?.names() ?? [];
    if (names.length === 0) return;
    const line = `$(warning) Not following this role: ${names.map((n) => `'${n}'`).join(', ')} (opened before IAM Switchboard took over). Run "IAM Switchboard: Relaunch Terminals" or close ${names.length === 1 ? 'it' : 'them'}.`;
    const tip = this.item.tooltip;
    const tooltip = new vscode.MarkdownString(`${line}\n\n${typeof tip === 'string' ? tip : (tip?.value ?? '')}`);
    tooltip.supportThemeIcons = true;
    this.item.tooltip = tooltip;
  }

  /** The text and colour that move with the time left; the ticker runs while they can still move. */
  private countDown(): void {
    const { item, verdict } = this;
    const identity = this.session.identity;
    const left = this.session.timeLeft();
    this.ticker.run(left !== undefined && left > 0);
    const count = this.notFollowing?.names().length ?? 0;
    const warning = count ? ` $(warning) ${count} terminal${count === 1 ? '' : 's'} not following` : '';
    if (!identity) {
      if (item.text !== `$(key) No AWS role${warning}`) item.text = `$(key) No AWS role${warning}`;
      return;
    }
    const icon = verdict.state === 'wrongAccount' ? '$(error)' : verdict.production ? '$(flame)' : '$(key)';
    const text = `${icon} ${identity.label}${left === undefined ? '' : ` $(watch) ${formatTimeLeft(left)}`}${warning}`;
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
