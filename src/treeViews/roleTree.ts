// The AWS Roles view: accounts → (who assumes them, roles); broken profiles as warning nodes at the end.
// Menus come from package.json by contextValue (`role`, `role.active`), not from code.
import * as vscode from 'vscode';
import type { ProductionMark } from '../core/catalog/guardrails';
import { type AccountEntry, type BrokenEntry, describeSource, type RoleEntry } from '../core/catalog/roleCatalog';
import type { Identity, Session } from '../core/session';
import { UserError } from '../core/userError';
import { clockTime, formatTimeLeft, WARNING_WINDOW_MS } from '../core/time';
import type { AwsConfig } from '../core/aws/config';
import { ssoRoleArnLine } from '../core/aws/arn';
import type { IdentityCenterSection } from '../store/identityCenterStore';
import type { SourceKeyDetails } from '../store/accessKeyFacts';
import type { RoleCatalogStore } from '../store/roleCatalogStore';
import { type Intervals, Ticker, type Visibility } from '../ticker';
import { rowLook } from './rowLook';

/**
 * Up to this many roles the accounts open unfolded, so everything shows at a glance. Beyond, they start folded: an
 * unfolded row makes VS Code fetch and draw its children when the view opens, one account after the other, and again
 * on every refresh (measured at 2,000 roles: 0.8 s to open the view). Folded, only the accounts opened are fetched.
 */
export const UNFOLDED_UP_TO_ROLES = 200;

export class AccountNode extends vscode.TreeItem {
  constructor(
    readonly account: AccountEntry,
    unfolded = true,
  ) {
    // Always expandable: an account without roles explains itself in a child row instead of "0 roles".
    super(account.alias ?? account.id, unfolded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    // An empty account starts folded (see children()): another id once it has roles, because VS Code keeps the fold
    // state of an id it has drawn, and the roles (an Identity Center sign-in, a profile added) must show unfolded.
    this.id = `account:${account.id}${account.roles.length ? '' : ':empty'}`;
    this.description = account.alias ? account.id : account.label;
    this.iconPath = new vscode.ThemeIcon('organization', account.color ? new vscode.ThemeColor(account.color) : undefined);
    this.contextValue = 'account';
    const count = account.roles.length;
    this.tooltip = [
      `AWS account ${account.id}${account.alias ? ` (${account.alias})` : ''}`,
      account.label ?? '',
      `${count} role${count === 1 ? '' : 's'}`,
    ]
      .filter(Boolean)
      .join('\n');
  }
}

/** One row per group of roles that share a source: who assumes the roles listed under it. */
export class SourceNode extends vscode.TreeItem {
  /** The tooltip without the key's details. */
  readonly baseTooltip: string;

  /**
   * `profile` is the source profile whose credentials assume the roles below, for Discover Roles and Rotate Access
   * Key; with `keys`, its tooltip is left for resolveTreeItem (VS Code asks only for rows without one).
   */
  constructor(
    accountId: string,
    source: string,
    roleCount: number,
    readonly profile?: string,
    keys?: SourceKeyDetails,
  ) {
    super(`via ${source}`, vscode.TreeItemCollapsibleState.None);
    this.id = `source:${accountId}:${source}`;
    const known = profile === undefined ? undefined : keys?.known(profile);
    this.iconPath = known?.tooOld
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : new vscode.ThemeIcon('account');
    this.description = known?.description;
    this.contextValue = 'roleSource';
    this.baseTooltip = `The ${roleCount === 1 ? 'role below is' : `${roleCount} roles below are`} assumed with the credentials of ${source} (source_profile, credential_source, or a role assumed first).`;
    this.tooltip = profile !== undefined && keys ? undefined : this.baseTooltip;
  }
}

/** Explains an empty level, e.g. an account from settings whose roles are all unusable. */
export class NoteNode extends vscode.TreeItem {
  constructor(id: string, text: string, tooltip: string) {
    super(text, vscode.TreeItemCollapsibleState.None);
    this.id = id;
    this.iconPath = new vscode.ThemeIcon('info');
    this.contextValue = 'roleNote';
    this.tooltip = tooltip;
  }
}

export class RoleNode extends vscode.TreeItem {
  constructor(
    readonly role: RoleEntry,
    readonly active: Identity | undefined,
    timeLeft: number | undefined,
    private readonly production: ProductionMark = { production: false },
  ) {
    super(role.label, vscode.TreeItemCollapsibleState.None);
    this.id = `role:${role.key}`;
    const isActive = active !== undefined;
    this.contextValue = isActive ? 'role.active' : 'role';
    this.setTimeLeft(timeLeft);
    this.iconPath = roleIcon(role, isActive, production.production);
    this.tooltip = roleTooltip(role, active, production);
  }

  /**
   * The description, with the minutes left when this is the active role (the tree's ticker updates just this);
   * true when it changed.
   */
  setTimeLeft(timeLeft: number | undefined): boolean {
    const before = this.description;
    const role = this.role;
    const needs = [
      role.needsMfa ? 'MFA' : undefined,
      role.needsExternalId ? 'external ID' : undefined,
      role.chained ? 'chaining' : undefined,
    ].filter(Boolean);
    // Short enough for the default sidebar width: the ARN, source and details are in the tooltip.
    const parts = this.active
      ? [`active${timeLeft === undefined ? '' : ` · ${minutesLeft(timeLeft)}`}`]
      : [
          role.label.toLowerCase().includes(role.name.toLowerCase()) ? undefined : role.name,
          needs.length ? `needs ${needs.join(', ')}` : undefined,
        ];
    this.description = [this.production.production ? 'production' : undefined, ...parts].filter(Boolean).join(' · ');
    return this.description !== before;
  }
}

/**
 * Whole minutes only, also in the last five (where formatTimeLeft counts seconds): the tree looks every 30 s, so
 * seconds here would stand still between redraws. The status bar counts the seconds down.
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

class WarningNode extends vscode.TreeItem {
  constructor(entry: BrokenEntry) {
    super(entry.name, vscode.TreeItemCollapsibleState.None);
    this.id = `warning:${entry.name}`;
    this.description = entry.warnings.map((w) => w.message).join(' ');
    this.tooltip = entry.warnings.map((w) => w.message).join('\n');
    this.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    this.contextValue = 'roleWarning';
  }
}

/**
 * An IAM Identity Center role (a permission set in an account): assumed through the sign-in, and its ARN is only
 * nominal, so its menus leave out Copy ARN (`role.sso`, `role.active.sso`).
 */
class SsoRoleNode extends RoleNode {
  constructor(role: RoleEntry, active: Identity | undefined, timeLeft: number | undefined) {
    super(role, active, timeLeft);
    this.contextValue = `${active ? 'role.active' : 'role'}.sso`;
    const lines = [
      `**${role.label}**`,
      `Permission set ${role.name} in account ${role.accountId}`,
      ssoRoleArnLine(role.partition, role.accountId, role.sso!.roleName, active?.arn),
      `IAM Identity Center: ${role.sso!.startUrl}${role.origin === 'profile' ? ` (profile ${role.profile})` : ''}`,
      role.region ? `Region: ${role.region}` : '',
      active?.arn ? `Active as \`${active.arn}\`` : '',
    ];
    this.tooltip = new vscode.MarkdownString(lines.filter(Boolean).join('\n\n'));
  }
}

/** The IAM Identity Center section: one instance, its sign-in state, Sign in / Sign out / Refresh on the row. */
export class IdentityCenterNode extends vscode.TreeItem {
  readonly entryKey: string;

  constructor(
    readonly section: IdentityCenterSection,
    several: boolean,
  ) {
    // Folded while there is nothing under it but "Sign in" (the row has that button too): one row, not two.
    const folded = !section.state?.signedIn && !section.directory;
    super(
      several ? `IAM Identity Center (${hostOf(section.entry.instance.startUrl)})` : 'IAM Identity Center',
      folded ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
    );
    const { state, entry } = section;
    this.entryKey = entry.key;
    this.id = `identityCenter:${entry.key}`;
    const signIn = !state ? '' : state.signedIn ? signedInText(state.expiresAt, state.source) : 'signed out';
    this.description = [signIn, section.discovering ? 'finding accounts…' : ''].filter(Boolean).join(' · ');
    // `.cached`: signed out with names kept, which Sign out forgets (the menus offer it then, too).
    this.contextValue = state?.signedIn ? 'identityCenter.signedIn' : `identityCenter.signedOut${section.directory ? '.cached' : ''}`;
    this.iconPath = new vscode.ThemeIcon(state?.signedIn ? 'verified' : 'account');
    this.tooltip = [
      `IAM Identity Center: ${signIn || 'checking…'}`,
      `Start URL: ${entry.instance.startUrl}`,
      `Region: ${entry.instance.region}`,
      entry.from === 'setting'
        ? 'From the iamSwitchboard.identityCenter setting'
        : `From [sso-session ${entry.instance.sessionName}] in ~/.aws/config`,
    ].join('\n');
  }
}

/** A row that runs a command when clicked, e.g. "Sign in" under a signed-out Identity Center. */
class ActionNode extends vscode.TreeItem {
  constructor(id: string, text: string, icon: string, command: vscode.Command) {
    super(text, vscode.TreeItemCollapsibleState.None);
    this.id = id;
    this.iconPath = new vscode.ThemeIcon(icon);
    this.command = command;
    this.contextValue = 'roleAction';
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function signedInText(expiresAt: Date | undefined, source: 'signIn' | 'awsCli' | undefined): string {
  const until = expiresAt ? ` until ${clockTime(expiresAt)}` : '';
  return `signed in${until}${source === 'awsCli' ? ' (AWS CLI)' : ''}`;
}

export type RoleTreeNode = AccountNode | SourceNode | NoteNode | RoleNode | WarningNode | IdentityCenterNode | ActionNode;

/** What the tree reads of IAM Identity Center (store/identityCenterStore.ts). */
interface IdentityCenterView {
  sections(config: AwsConfig | undefined): IdentityCenterSection[];
  onDidChangeState: vscode.Event<void>;
}

function roleIcon(role: RoleEntry, active: boolean, production: boolean): vscode.ThemeIcon {
  if (active) {
    return new vscode.ThemeIcon(
      production ? 'flame' : 'pass-filled',
      new vscode.ThemeColor(production ? 'errorForeground' : 'testing.iconPassed'),
    );
  }
  if (production && !role.warnings.length) {
    return new vscode.ThemeIcon('flame', new vscode.ThemeColor('errorForeground'));
  }
  if (role.warnings.length) {
    return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  }
  return new vscode.ThemeIcon(role.needsMfa ? 'lock' : 'person');
}

function roleTooltip(role: RoleEntry, active: Identity | undefined, production: ProductionMark): vscode.MarkdownString {
  const lines = [
    `**${role.label}**`,
    production.production ? `$(flame) Production: ${production.reason ?? 'marked production'}` : '',
    `\`${role.arn}\``,
    role.label === role.name ? '' : `Role: ${role.name}`,
    role.chained ? 'Chained: assumed from another role, so AWS caps it at one hour' : '',
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
function isActiveRole(role: RoleEntry, identity: Identity | undefined): boolean {
  if (identity?.origin.kind === 'sso') {
    const o = identity.origin;
    return (
      role.sso !== undefined && o.startUrl === role.sso.startUrl && o.accountId === role.sso.accountId && o.roleName === role.sso.roleName
    );
  }
  if (identity?.origin.kind !== 'sts') {
    return false;
  }
  return identity.origin.profile !== undefined
    ? identity.origin.profile === role.profile
    : identity.origin.roleArn === role.arn && role.profile === undefined;
}

export class RoleTreeProvider implements vscode.TreeDataProvider<RoleTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RoleTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[];
  private readonly ticker: Ticker;
  /** The active role's rows as last given to VS Code, by account: the ones the ticker redraws. */
  private readonly activeRows = new Map<string, RoleNode[]>();
  /** The rows VS Code holds, by id: what a redraw names (VS Code knows its rows by the objects it was given). */
  private readonly given = new Map<string, RoleTreeNode>();
  /** The newest row for an id whose look changed since VS Code was given its row: what it is drawn from. */
  private readonly latest = new Map<string, RoleTreeNode>();
  /** What each level looked like when VS Code last asked for it, by its parent's id ('' for the top). */
  private readonly shownLevels = new Map<string, string>();
  /** The central users' key details, once the keys feature is wired (features/keyRotation.ts). */
  private keys: SourceKeyDetails | undefined;
  /** A comparison running, and whether another change arrived meanwhile. */
  private comparing: Promise<void> | undefined;
  private changedWhileComparing = false;

  constructor(
    private readonly store: RoleCatalogStore,
    private readonly session: Session,
    private readonly identityCenter?: IdentityCenterView,
    /** A marker per account: what it needs (the settings' patterns) is read once per account, not once per role. */
    private readonly production: (account: AccountEntry) => (role: RoleEntry) => ProductionMark = () => () => ({ production: false }),
    intervals?: Intervals,
  ) {
    // The active role's minutes left, in its description: looked at twice a minute, they are never more than
    // half a minute behind, and redrawn once a minute, when they change.
    this.ticker = new Ticker(() => this.tick(), 30_000, intervals);
    const redraw = () => void this.redrawChanged();
    this.disposables = [this.changed, this.ticker, store.onDidChange(redraw), session.onDidChange(redraw)];
    if (identityCenter) {
      this.disposables.push(identityCenter.onDidChangeState(redraw));
    }
  }

  /** Source rows of a profile get their key's age and last use in the tooltip, looked up on hover. */
  describeKeysWith(keys: SourceKeyDetails): void {
    this.keys = keys;
  }

  /** Hovering a source row: its tooltip with the key's details (VS Code asks only for rows left without one). */
  async resolveTreeItem(item: vscode.TreeItem, element: RoleTreeNode): Promise<vscode.TreeItem> {
    if (!(element instanceof SourceNode) || element.profile === undefined || !this.keys) return item;
    const lines = await this.keys.tooltipLines(element.profile).catch(() => undefined);
    item.tooltip = [element.baseTooltip, ...(lines ?? [])].join('\n');
    return item;
  }

  /** Counts the active role's minutes down while `view` shows them. */
  follow(view: Visibility): void {
    this.ticker.follow(view);
  }

  /** Redraws the whole tree. */
  refresh(): void {
    this.activeRows.clear();
    this.latest.clear();
    this.changed.fire(undefined);
  }

  /**
   * After a change of the catalog, the session or a sign-in: redraws only the rows and levels that now look
   * different. A whole redraw also redraws the rows that did not change, dropping their inline buttons under a still
   * mouse: an Assume or a fold clicked then was lost (a switch, Identity Center saying "signed out" once more).
   */
  redrawChanged(): Promise<void> {
    if (this.comparing) {
      this.changedWhileComparing = true;
      return this.comparing;
    }
    this.comparing = (async () => {
      do {
        this.changedWhileComparing = false;
        await this.compareAndRedraw().catch(() => this.refresh());
      } while (this.changedWhileComparing);
    })().finally(() => (this.comparing = undefined));
    return this.comparing;
  }

  private async compareAndRedraw(): Promise<void> {
    if (!this.shownLevels.has('')) return; // nothing shown yet: VS Code asks when it draws
    const top = await this.topRows();
    if (levelText(top, false) !== this.shownLevels.get('')) {
      this.refresh();
      return;
    }
    for (const row of top) {
      const given = this.given.get(row.id!);
      const shownBelow = this.shownLevels.get(row.id!);
      const below = shownBelow === undefined ? undefined : levelText(this.childrenOf(row), true);
      if (!given || (rowText(row) === rowText(this.latest.get(row.id!) ?? given) && below === shownBelow)) continue;
      this.latest.set(row.id!, row);
      if (below !== undefined) this.shownLevels.set(row.id!, below); // what VS Code is about to ask for
      this.changed.fire(given);
    }
  }

  /**
   * Redraws only the active role's row, and only when its minutes left changed. A refresh of the whole tree would
   * redraw every row, and a row redrawn under the mouse loses its inline buttons until the mouse moves, or a click
   * that lands then.
   */
  tick(): void {
    const left = this.session.timeLeft();
    const identity = this.session.identity;
    for (const rows of this.activeRows.values()) {
      for (const row of rows) {
        // A switch redraws the rows it changed a moment later: until then, the old role's row is not counted down.
        if (isActiveRole(row.role, identity) && row.setTimeLeft(left)) this.changed.fire(row);
      }
    }
  }

  getTreeItem(node: RoleTreeNode): vscode.TreeItem {
    return this.latest.get(node.id!) ?? node;
  }

  async getChildren(element?: RoleTreeNode): Promise<RoleTreeNode[]> {
    const node = element && (this.latest.get(element.id!) ?? element);
    const children = node ? this.childrenOf(node) : await this.topRows();
    const level = node?.id ?? '';
    this.shownLevels.set(level, levelText(children, level !== ''));
    for (const child of children) {
      this.given.set(child.id!, child);
      this.latest.delete(child.id!);
    }
    if (node instanceof AccountNode) {
      this.activeRows.set(
        node.account.id,
        children.filter((row): row is RoleNode => row instanceof RoleNode && row.active !== undefined),
      );
    }
    return children;
  }

  private childrenOf(node: RoleTreeNode): RoleTreeNode[] {
    if (node instanceof AccountNode) {
      return this.accountChildren(node.account);
    }
    if (node instanceof IdentityCenterNode) {
      return identityCenterChildren(node);
    }
    return [];
  }

  private async topRows(): Promise<RoleTreeNode[]> {
    this.store.watch();
    let catalog;
    let config;
    try {
      ({ catalog, config } = await this.store.get());
    } catch (error) {
      // The SDK's loader refuses a few profile names outright; say so instead of an empty view.
      // Core errors already say which file and what to do; anything else gets a generic sentence.
      const message = error instanceof UserError ? error.message : 'could not be read: see the IAM Switchboard log.';
      return [new WarningNode({ name: '~/.aws/config', warnings: [{ code: 'UnreadableConfig', message }] })];
    }
    const sections = this.identityCenter?.sections(config) ?? [];
    if (!catalog.roles.length && !catalog.broken.length && !sections.length) {
      return []; // the view's welcome content takes over
    }
    return [
      ...sections.map((s) => new IdentityCenterNode(s, sections.length > 1)),
      // An account without roles starts folded: its one row, "No usable roles", is not what the view opens on.
      ...catalog.accounts.map((a) => new AccountNode(a, a.roles.length > 0 && catalog.roles.length <= UNFOLDED_UP_TO_ROLES)),
      ...catalog.broken.map((b) => new WarningNode(b)),
    ];
  }

  private accountChildren(account: AccountEntry): RoleTreeNode[] {
    if (!account.roles.length) {
      return [
        new NoteNode(
          `note:${account.id}`,
          'No usable roles',
          'Add role names or ARNs to this account in the iamSwitchboard.accounts setting, or profiles with a role_arn in ~/.aws/config. Warnings below say what is wrong with the ones listed.',
        ),
      ];
    }
    const identity = this.session.identity;
    const production = this.production(account);
    const bySource = new Map<string, RoleEntry[]>();
    for (const role of account.roles) {
      const source = role.sso ? 'IAM Identity Center' : describeSource(role.source);
      const group = bySource.get(source);
      if (group) group.push(role);
      else bySource.set(source, [role]);
    }
    const rows = [...bySource].flatMap(([source, roles]) => [
      new SourceNode(
        account.id,
        source,
        roles.length,
        roles[0].source?.kind === 'profile' ? roles[0].source.profile : undefined,
        this.keys,
      ),
      ...roles.map((role) => {
        const active = isActiveRole(role, identity) ? identity : undefined;
        return role.sso
          ? new SsoRoleNode(role, active, active ? this.session.timeLeft() : undefined)
          : new RoleNode(role, active, active ? this.session.timeLeft() : undefined, production(role));
      }),
    ]);
    return rows;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}

/** What a row shows, to tell whether a redraw would change it. */
function rowText(row: vscode.TreeItem): string {
  // The active row's minutes left are the ticker's to redraw: a comparison a minute later must not see a change.
  return rowLook(row, row instanceof RoleNode && row.active ? 'active' : row.description);
}

/** A level's rows: their ids, and below the top what they show (the top's rows are compared one by one). */
function levelText(rows: vscode.TreeItem[], withLooks: boolean): string {
  return JSON.stringify(rows.map((row) => (withLooks ? rowText(row) : row.id)));
}

/** Under the section: Sign in when signed out; how many accounts the cached directory holds when signed in. */
function identityCenterChildren(node: IdentityCenterNode): RoleTreeNode[] {
  const { state, directory, entry } = node.section;
  const args = [{ entryKey: entry.key }];
  if (!state?.signedIn) {
    return [
      new ActionNode(`identityCenter:${entry.key}:signIn`, 'Sign in to IAM Identity Center', 'sign-in', {
        command: 'iamSwitchboard.signInToIdentityCenter',
        title: 'Sign in',
        arguments: args,
      }),
    ];
  }
  if (!directory) {
    return [
      new ActionNode(`identityCenter:${entry.key}:discover`, 'Find my accounts and roles', 'refresh', {
        command: 'iamSwitchboard.refreshIdentityCenter',
        title: 'Refresh',
        arguments: args,
      }),
    ];
  }
  const roles = directory.accounts.reduce((n, a) => n + a.roles.length, 0);
  const at = clockTime(new Date(directory.fetchedAt));
  return [
    new NoteNode(
      `identityCenter:${entry.key}:count`,
      `${directory.accounts.length} accounts, ${roles} roles`,
      `Listed at ${at}; the roles are under their accounts below.`,
    ),
  ];
}
