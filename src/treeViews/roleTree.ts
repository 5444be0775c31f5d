// The AWS Roles view: accounts → (who assumes them, roles); broken profiles as warning nodes at the end.
// Menus come from package.json by contextValue (`role`, `role.active`), not from code.
import * as vscode from 'vscode';
import { AccountEntry, BrokenEntry, describeSource, RoleEntry } from '../core/roles';
import type { Identity, Session } from '../core/session';
import { formatTimeLeft, WARNING_WINDOW_MS } from '../core/time';
import type { RoleCatalogStore } from '../commands/roleCatalog';

export class AccountNode extends vscode.TreeItem {
  constructor(readonly account: AccountEntry) {
    super(account.alias ?? account.id, account.roles.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.id = `account:${account.id}`;
    this.description = [account.alias ? account.id : undefined, account.label].filter(Boolean).join(' · ') || undefined;
    this.iconPath = new vscode.ThemeIcon('organization', account.color ? new vscode.ThemeColor(account.color) : undefined);
    this.contextValue = 'account';
    this.tooltip = `AWS account ${account.id}${account.alias ? ` (${account.alias})` : ''}: ${account.roles.length} role(s)`;
  }
}

/** Which identities assume the account's roles, e.g. `profile default, role dev-readonly`. */
export class SourceNode extends vscode.TreeItem {
  constructor(account: AccountEntry) {
    const sources = [...new Set(account.roles.map((r) => describeSource(r.source)))];
    super(`Assumed from ${sources.join(', ')}`, vscode.TreeItemCollapsibleState.None);
    this.id = `source:${account.id}`;
    this.iconPath = new vscode.ThemeIcon('account');
    this.contextValue = 'roleSource';
    this.tooltip = 'The credentials that assume these roles (source_profile, credential_source, or a role assumed first).';
  }
}

export class RoleNode extends vscode.TreeItem {
  constructor(
    readonly role: RoleEntry,
    active: Identity | undefined,
    timeLeft: number | undefined,
  ) {
    super(role.label, vscode.TreeItemCollapsibleState.None);
    this.id = `role:${role.key}`;
    const isActive = active !== undefined;
    this.contextValue = isActive ? 'role.active' : 'role';
    const needs = [role.needsMfa ? 'MFA' : undefined, role.needsExternalId ? 'external ID' : undefined, role.chained ? 'chained' : undefined].filter(Boolean);
    const parts = [
      role.label === role.name ? undefined : role.name,
      needs.length ? `needs ${needs.join(', ')}` : undefined,
      isActive ? `active${timeLeft === undefined ? '' : ` · ${minutesLeft(timeLeft)}`}` : undefined,
    ];
    this.description = parts.filter(Boolean).join(' · ');
    this.iconPath = roleIcon(role, isActive);
    this.tooltip = roleTooltip(role, active);
  }
}

/**
 * Whole minutes only, also in the last five (where formatTimeLeft counts seconds): the tree is redrawn every
 * 30 s, so seconds here would stand still between redraws. The status bar counts the seconds down.
 */
export function minutesLeft(ms: number): string {
  if (ms <= 0) {
    return 'expired';
  }
  if (ms >= WARNING_WINDOW_MS) {
    return `${formatTimeLeft(ms)} left`;
  }
  return ms < 60_000 ? '<1m left' : `${Math.floor(ms / 60_000)}m left`;
}

export class WarningNode extends vscode.TreeItem {
  constructor(entry: BrokenEntry) {
    super(entry.name, vscode.TreeItemCollapsibleState.None);
    this.id = `warning:${entry.name}`;
    this.description = entry.warnings.map((w) => w.message).join(' ');
    this.tooltip = entry.warnings.map((w) => w.message).join('\n');
    this.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    this.contextValue = 'roleWarning';
  }
}

export type RoleTreeNode = AccountNode | SourceNode | RoleNode | WarningNode;

function roleIcon(role: RoleEntry, active: boolean): vscode.ThemeIcon {
  if (active) {
    return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
  }
  if (role.warnings.length) {
    return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  }
  return new vscode.ThemeIcon(role.needsMfa ? 'lock' : 'person');
}

function roleTooltip(role: RoleEntry, active: Identity | undefined): vscode.MarkdownString {
  const lines = [
    `**${role.label}**`,
    `\`${role.arn}\``,
    `Source: ${describeSource(role.source)}${role.origin === 'profile' ? '' : ` (from ${role.origin === 'setting' ? 'iamSwitchboard.accounts' : 'Terraform outputs'})`}`,
    role.mfaSerial ? `MFA device: \`${role.mfaSerial}\`` : '',
    role.needsExternalId ? 'Needs an external ID' : '',
    role.region ? `Region: ${role.region}` : '',
    active?.arn ? `Active as \`${active.arn}\`` : '',
    ...role.warnings.map((w) => `$(warning) ${w.message}`),
  ];
  const markdown = new vscode.MarkdownString(lines.filter(Boolean).join('\n\n'));
  markdown.supportThemeIcons = true;
  return markdown;
}

/** True when `identity` is the session of `role` (same profile, or same ARN for roles from settings). */
export function isActiveRole(role: RoleEntry, identity: Identity | undefined): boolean {
  if (identity?.origin.kind !== 'sts') {
    return false;
  }
  return identity.origin.profile !== undefined ? identity.origin.profile === role.profile : identity.origin.roleArn === role.arn && role.profile === undefined;
}

export class RoleTreeProvider implements vscode.TreeDataProvider<RoleTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RoleTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[];
  private readonly ticker: NodeJS.Timeout;

  constructor(
    private readonly store: RoleCatalogStore,
    private readonly session: Session,
  ) {
    this.disposables = [this.changed, store.onDidChange(() => this.refresh()), session.onDidChange(() => this.refresh())];
    // The active role's minutes left, in its description: redrawn twice a minute, they are never more than
    // half a minute behind.
    this.ticker = setInterval(() => this.session.identity && this.refresh(), 30_000);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: RoleTreeNode): vscode.TreeItem {
    return node;
  }

  async getChildren(node?: RoleTreeNode): Promise<RoleTreeNode[]> {
    if (node instanceof AccountNode) {
      const identity = this.session.identity;
      const roles = node.account.roles.map((role) => {
        const active = isActiveRole(role, identity) ? identity : undefined;
        return new RoleNode(role, active, active ? this.session.timeLeft() : undefined);
      });
      return roles.length ? [new SourceNode(node.account), ...roles] : [];
    }
    if (node) {
      return [];
    }
    this.store.watch();
    let catalog;
    try {
      ({ catalog } = await this.store.get());
    } catch (error) {
      // The SDK's loader refuses a few profile names outright; say so instead of an empty view.
      const message = `could not be read: ${error instanceof Error ? error.message : String(error)}`;
      return [new WarningNode({ name: '~/.aws/config', warnings: [{ code: 'UnreadableConfig', message }] })];
    }
    if (!catalog.roles.length && !catalog.broken.length) {
      return []; // the view's welcome content takes over
    }
    return [...catalog.accounts.map((a) => new AccountNode(a)), ...catalog.broken.map((b) => new WarningNode(b))];
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.disposables.forEach((d) => d.dispose());
  }
}
