import * as vscode from 'vscode';
import { formatSeconds } from '../core/duration';
import type { Identity } from '../core/session';
import type { RoleList, TokenInfo, VaultClient, VaultHealth, VaultRole, VaultServer } from '../core/vault/client';
import type { Lease, LeaseTracker } from '../core/vault/leases';
import { listStaticRoles, readStaticRole, type StaticRole } from '../core/vault/staticRoles';
import { clockTime } from '../core/time';
import { formatDuration, rolePolicyLines } from '../core/vault/stsOptions';
import { type Intervals, Ticker, type Visibility } from '../ticker';
import { rowLook } from './rowLook';

/** What the tree needs from the Vault connections (store/vaultConnections.ts has them). */
export interface VaultTreeSource {
  servers(): VaultServer[];
  client(server: VaultServer): Promise<VaultClient>;
  /** Who is signed in, or undefined when signed out; throws when the token no longer works. */
  tokenInfo(server: VaultServer): Promise<TokenInfo | undefined>;
  /** Whether a token is kept for the server, without asking the server (which may be unreachable). */
  tokenKept(server: VaultServer): Promise<boolean>;
  readonly leases: LeaseTracker;
  /** Credentials of a lease this window holds in memory (none for leases restored after a reload). */
  identityFor(leaseId: string): Identity | undefined;
  activeLeaseId(): string | undefined;
  /** The next rotation of a static role's keys, once this window has read them. */
  staticRotatesAt(server: string, mount: string, role: string): Date | undefined;
  /** The static role whose keys are the active identity, if any. */
  activeStatic(): { server: string; mount: string; role: string } | undefined;
}

export type VaultNode = ServerNode | MountNode | VaultRoleNode | StaticRoleNode | LeaseNode | MessageNode;

/** What the tree knows about a server's sign-in: a working token, one kept but not checked, or none. */
interface ServerSignIn {
  token?: TokenInfo;
  /** A token is kept in SecretStorage (it may not have been checked: the server could not be reached). */
  tokenKept: boolean;
  /** Why the kept token was refused, as the sentence to show. */
  tokenProblem?: string;
}

const REACHABLE = new Set(['active', 'standby']);

export class ServerNode extends vscode.TreeItem {
  readonly token: TokenInfo | undefined;
  readonly tokenProblem: string | undefined;

  constructor(
    readonly server: VaultServer,
    readonly health: VaultHealth,
    readonly signIn: ServerSignIn,
  ) {
    super(server.name, vscode.TreeItemCollapsibleState.Expanded);
    this.token = signIn.token;
    this.tokenProblem = signIn.tokenProblem;
    this.id = `vault:${server.address}`;
    // An unreachable server keeps its token: Sign out stays offered, Sign in is not.
    const signedIn = signIn.token || (health.status === 'unreachable' && signIn.tokenKept);
    this.contextValue = `vaultServer.${health.status}.${signedIn ? 'signedIn' : 'signedOut'}`;
    this.iconPath = new vscode.ThemeIcon(REACHABLE.has(health.status) ? 'server' : 'warning');
    this.description = serverDescription(health, signIn);
    this.tooltip = serverTooltip(server, health, signIn);
  }
}

/** One or two words: the sign-in when the server answers, else its state. Details are in the tooltip. */
function serverDescription(health: VaultHealth, { token }: ServerSignIn): string {
  if (!REACHABLE.has(health.status)) {
    return health.status;
  }
  const who = token ? token.displayName || 'token' : 'signed out';
  return health.status === 'standby' ? `standby · ${who}` : who;
}

function serverTooltip(server: VaultServer, health: VaultHealth, { token, tokenKept, tokenProblem }: ServerSignIn): string {
  const lines = [
    server.address,
    server.namespace ? `Namespace: ${server.namespace}` : '',
    health.version ? `Vault ${health.version} (${health.status})` : `Status: ${health.status}`,
  ];
  if (token) {
    lines.push(
      `Signed in as ${token.displayName || 'a token'}`,
      `Policies: ${token.policies.join(', ') || 'none'}`,
      token.ttl ? `Token expires in ${formatSeconds(token.ttl)}` : 'Token does not expire',
    );
  } else if (tokenProblem) {
    lines.push(tokenProblem);
  } else if (health.status === 'unreachable' && tokenKept) {
    lines.push(health.message ?? '', 'Your sign-in is kept: Refresh when the server is back.');
  } else if (health.status === 'unreachable') {
    lines.push(health.message ?? '');
  } else {
    lines.push('Not signed in.');
  }
  return lines.filter(Boolean).join('\n');
}

class MountNode extends vscode.TreeItem {
  constructor(
    readonly server: VaultServer,
    readonly mount: string,
  ) {
    super(`${mount}/`, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `vault:${server.address}:${mount}`;
    this.contextValue = 'vaultMount';
    this.iconPath = new vscode.ThemeIcon('folder-library');
    this.tooltip = `AWS secrets engine at ${mount}/ on ${server.address}`;
  }
}

/** A role of Vault's AWS secrets engine (not an IAM role of the AWS Roles view). */
export class VaultRoleNode extends vscode.TreeItem {
  constructor(
    readonly server: VaultServer,
    readonly mount: string,
    readonly role: string,
    readonly info: VaultRole | undefined,
    hasLeases: boolean,
  ) {
    super(role, hasLeases ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    // A new id once leases appear: VS Code keeps a known item's old "no children" state otherwise.
    this.id = `vault:${server.address}:${mount}:${role}${hasLeases ? ':leases' : ''}`;
    this.contextValue = 'vaultRole';
    this.iconPath = new vscode.ThemeIcon('key');
    this.description = info ? info.credentialTypes.join(', ') : 'type not readable';
    this.tooltip = roleTooltip(mount, role, info);
  }
}

function roleTooltip(mount: string, role: string, info: VaultRole | undefined): string {
  if (!info) {
    return `${mount}/roles/${role}\nYour token may not read this role; leasing may still work.`;
  }
  return [
    `${mount}/roles/${role}`,
    `Credential type: ${info.credentialTypes.join(', ')}`,
    info.defaultStsTtl ? `Default STS TTL: ${formatSeconds(info.defaultStsTtl)}` : '',
    info.maxStsTtl ? `Max STS TTL: ${formatSeconds(info.maxStsTtl)}` : '',
    info.mfaSerialNumber ? `Asks for an MFA code (${info.mfaSerialNumber})` : '',
    ...rolePolicyLines(info),
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * A static role of the AWS engine: an IAM user's long-lived keys that Vault rotates. Not a lease: nothing to
 * renew or revoke, and no countdown, only the next rotation once this window has read the keys.
 */
export class StaticRoleNode extends vscode.TreeItem {
  constructor(
    readonly server: VaultServer,
    readonly mount: string,
    readonly role: string,
    info: StaticRole | undefined,
    rotatesAt: Date | undefined,
    active: boolean,
  ) {
    super(role, vscode.TreeItemCollapsibleState.None);
    this.id = `vault-static:${server.address}:${mount}:${role}`;
    this.contextValue = `vaultStaticRole${active ? '.active' : ''}`;
    this.iconPath = new vscode.ThemeIcon(active ? 'pass-filled' : 'lock');
    const period = info?.rotationPeriodSeconds ? `every ${formatDuration(info.rotationPeriodSeconds)}` : '';
    // Short enough for the default sidebar width; the tooltip has the date and what a rotation does.
    const when = rotatesAt && clockTime(rotatesAt);
    this.description = when ? `static · rotates ${when}` : ['static keys', period].filter(Boolean).join(' · ');
    this.tooltip = [
      `${mount}/static-roles/${role}`,
      info?.username
        ? `Long-lived keys of IAM user ${info.username}, rotated by Vault${period ? ` ${period}` : ''}.`
        : 'Long-lived keys that Vault rotates.',
      rotatesAt ? `Next rotation: ${clockTime(rotatesAt)} (Vault deletes the old key then; IAM Switchboard reads the new one).` : '',
      'Not a lease: nothing to renew or revoke.',
      active ? 'Active: terminals that follow the active role use these keys.' : '',
    ]
      .filter(Boolean)
      .join('\n');
  }
}

export class LeaseNode extends vscode.TreeItem {
  /** What the row shows of the time left, for its tooltip. */
  private left = '';
  private hasCredentials = false;
  private active = false;

  constructor(
    readonly lease: Lease,
    timeLeft: number | undefined,
    /** Whether this window holds the lease's credentials (not for leases restored after a reload). */
    hasCredentials: boolean,
    active: boolean,
  ) {
    super(shortLeaseId(lease.leaseId), vscode.TreeItemCollapsibleState.None);
    this.id = `vault-lease:${lease.leaseId}`;
    this.show(timeLeft, hasCredentials, active);
  }

  /**
   * Sets what the row shows; true when that changed, so the ticker redraws only then: a row redrawn under a still
   * mouse loses its inline buttons, and with them a Renew or Revoke click landing at that moment. The tooltip is
   * left to `resolveTreeItem`, built when the person hovers the row.
   */
  show(timeLeft: number | undefined, hasCredentials: boolean, active: boolean): boolean {
    const left = timeLeft === undefined ? 'no expiry' : timeLeft <= 0 ? 'expired' : `${formatSeconds(timeLeft / 1000)} left`;
    const before = [this.description, this.contextValue, this.active, this.hasCredentials].join('|');
    // "withCredentials" picks the terminal action: a restored lease has nothing to put in a terminal.
    this.contextValue = `vaultLease${this.lease.renewable ? '.renewable' : ''}${hasCredentials ? '.withCredentials' : '.restored'}${active ? '.active' : ''}`;
    this.iconPath = new vscode.ThemeIcon(active ? 'pass-filled' : hasCredentials ? 'watch' : 'circle-outline');
    this.description = hasCredentials ? left : `${left} · restored`;
    [this.left, this.hasCredentials, this.active] = [left, hasCredentials, active];
    const changed = before !== [this.description, this.contextValue, active, hasCredentials].join('|');
    if (changed) this.tooltip = undefined;
    return changed;
  }

  /** The id, type, expiry and what Renew and Revoke do: built on hover. */
  describe(): vscode.MarkdownString {
    return leaseTooltip(this.lease, this.left, this.hasCredentials, this.active);
  }
}

function leaseTooltip(lease: Lease, left: string, hasCredentials: boolean, active: boolean): vscode.MarkdownString {
  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(`**Vault lease** ${active ? '(active) ' : ''}\n\n`);
  tip.appendCodeblock(lease.leaseId, 'text');
  tip.appendMarkdown(`\n- Type: \`${lease.credentialType}\`\n`);
  tip.appendMarkdown(`- Expires: ${lease.expiresAt ? `${clockTime(lease.expiresAt)} (${left})` : 'no expiry given'}\n`);
  tip.appendMarkdown(`- Renewable: ${lease.renewable ? 'yes, with Renew Lease' : 'no: lease again when you need more time'}\n\n`);
  tip.appendMarkdown(
    lease.credentialType === 'iam_user'
      ? 'Revoke Lease ends it now: Vault deletes its IAM user.'
      : 'Revoke Lease ends it at Vault; AWS keeps STS keys valid until they expire.',
  );
  if (!hasCredentials) {
    tip.appendMarkdown('\n\nFrom an earlier window: its credentials are not kept across reloads. Lease again for a terminal.');
  }
  return tip;
}

/** A leaf that explains an empty or failed level instead of leaving it blank. */
export class MessageNode extends vscode.TreeItem {
  constructor(message: string, icon = 'info', command?: vscode.Command) {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.contextValue = 'vaultMessage';
    this.iconPath = new vscode.ThemeIcon(icon);
    this.tooltip = message;
    this.command = command;
  }
}

/** `aws/creds/s3-full/AbCdEf123456` → `s3-full/AbCdEf12…`. */
export function shortLeaseId(leaseId: string): string {
  const parts = leaseId.split('/');
  const tail = parts.pop() ?? leaseId;
  const role = parts.pop();
  const short = tail.length > 8 ? `${tail.slice(0, 8)}…` : tail;
  return role ? `${role}/${short}` : short;
}

/**
 * Servers → AWS mounts → roles → this window's leases. Network answers are cached until `refresh()`; while the view
 * is visible, a ticker redraws the lease rows whose countdown text changed, without asking Vault again.
 */
export class VaultTreeProvider implements vscode.TreeDataProvider<VaultNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<VaultNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Vault's answers by what was asked, with how to ask again; a failed one is asked again when next needed. */
  private cache = new Map<string, { answer: Promise<unknown>; load: () => Promise<unknown>; failed?: boolean }>();
  /** This window's lease ids under each mount, as last drawn: a lease change redraws only the mounts it changed. */
  private shownLeases = new Map<string, string>();
  /** The server rows last given to VS Code, to tell whether a refresh changed any. */
  /** The server rows drawn last, or being drawn: a Refresh compares with these once they are there. */
  private shownServers: Promise<ServerNode[]> = Promise.resolve([]);
  private leaseNodes = new Map<string, LeaseNode>();
  /** The mount rows shown, by server|mount: a static role becoming active redraws its mount's rows only. */
  private mountNodes = new Map<string, MountNode>();
  private activeStaticKey = '';
  private readonly ticker: Ticker;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly source: VaultTreeSource,
    intervals?: Intervals,
  ) {
    // Every 5 s: the last minute counts seconds. Most ticks change no text, and redraw nothing.
    this.ticker = new Ticker(() => this.tick(), 5000, intervals);
    this.subscriptions = [this.changed, this.ticker, source.leases.onDidChange(() => this.leasesChanged())];
  }

  /** Counts down the lease rows while `view` shows them. */
  follow(view: Visibility): void {
    this.ticker.follow(view);
  }

  /**
   * Asks Vault again for everything the tree shows, and redraws it only when an answer changed. A redraw of rows that
   * look the same drops their inline buttons under a still mouse: a Sign in clicked just after Refresh was lost.
   */
  async refresh(): Promise<void> {
    try {
      if (await this.askedAgainChanged()) this.redrawAll();
    } catch {
      // The rows show what failed.
      this.redrawAll();
    }
  }

  /** Asks Vault again for every kept answer and tells whether a server row or any answer changed. */
  private async askedAgainChanged(): Promise<boolean> {
    // A Refresh right after the view opened (or redrew) would otherwise compare with no rows and redraw the ones the
    // first draw is about to show: a Sign in clicked on them then was lost.
    const shown = (await this.shownServers).map((row) => rowLook(row)).join('\n');
    const previous = [...this.cache].filter(([key]) => !key.startsWith('health:') && !key.startsWith('token:'));
    this.cache.clear();
    const servers = await Promise.all(this.source.servers().map((server) => this.serverNode(server)));
    const changed = await Promise.all(
      previous.map(async ([key, { answer, load }]) => (await settled(answer)) !== (await settled(this.cached(key, load)))),
    );
    return servers.map((row) => rowLook(row)).join('\n') !== shown || changed.some(Boolean);
  }

  /** Forgets every answer and redraws the whole tree, for what the answers do not show (a static role's rotation). */
  redraw(): void {
    this.cache.clear();
    this.redrawAll();
  }

  private redrawAll(): void {
    this.mountNodes.clear();
    this.changed.fire(undefined);
  }

  /** A lease came or went: only the mounts whose leases changed are redrawn, the server rows stay under the mouse. */
  private leasesChanged(): void {
    const now = this.leasesByMount();
    for (const key of new Set([...now.keys(), ...this.shownLeases.keys()])) {
      const mount = this.mountNodes.get(key);
      if (mount && now.get(key) !== this.shownLeases.get(key)) this.changed.fire(mount);
    }
    this.shownLeases = now;
  }

  private leasesByMount(): Map<string, string> {
    const ids = new Map<string, string[]>();
    for (const lease of this.source.leases.list()) {
      const key = `${lease.server}|${lease.mount}`;
      ids.set(key, [...(ids.get(key) ?? []), lease.leaseId]);
    }
    return new Map([...ids].map(([key, list]) => [key, list.sort().join(' ')]));
  }

  getTreeItem(node: VaultNode): vscode.TreeItem {
    return node;
  }

  /** A lease row's tooltip, built when hovered rather than at every redraw. */
  resolveTreeItem(item: vscode.TreeItem, node: VaultNode): vscode.TreeItem {
    if (node instanceof LeaseNode) item.tooltip = node.describe();
    return item;
  }

  async getChildren(node?: VaultNode): Promise<VaultNode[]> {
    if (!node) {
      this.shownServers = Promise.all(this.source.servers().map((server) => this.serverNode(server)));
      return this.shownServers;
    }
    if (node instanceof ServerNode) {
      return this.serverChildren(node);
    }
    if (node instanceof MountNode) {
      return this.mountChildren(node);
    }
    if (node instanceof VaultRoleNode) {
      return this.leaseChildren(node);
    }
    return [];
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const kept = this.cache.get(key);
    if (kept && !kept.failed) return kept.answer as Promise<T>;
    const answer = load();
    const entry: { answer: Promise<unknown>; load: () => Promise<unknown>; failed?: boolean } = { answer, load };
    this.cache.set(key, entry);
    // A failure is shown once, then asked again on the next expansion; a refresh compares it with what it gets then.
    answer.catch(() => (entry.failed = true));
    return answer;
  }

  private async serverNode(server: VaultServer): Promise<ServerNode> {
    const health = await this.cached(`health:${server.address}`, async () => (await this.source.client(server)).health());
    const signIn: ServerSignIn = { tokenKept: await this.source.tokenKept(server) };
    if (REACHABLE.has(health.status)) {
      try {
        signIn.token = await this.cached(`token:${server.address}`, () => this.source.tokenInfo(server));
      } catch (error) {
        signIn.tokenProblem = messageOf(error);
      }
    }
    return new ServerNode(server, health, signIn);
  }

  private async serverChildren(node: ServerNode): Promise<VaultNode[]> {
    const { server, health } = node;
    if (health.status === 'unreachable') {
      const kept = node.signIn.tokenKept ? ' Your sign-in is kept: Refresh when it is back.' : '';
      return [new MessageNode(`${health.message ?? `Could not reach ${server.address}.`}${kept}`, 'error')];
    }
    if (health.status === 'sealed' || health.status === 'uninitialised') {
      return [
        new MessageNode(
          `Vault is ${health.status}; ask an operator to ${health.status === 'sealed' ? 'unseal' : 'initialise'} it, then refresh.`,
          'lock',
        ),
      ];
    }
    if (!node.token) {
      const sign = { command: 'iamSwitchboard.signInToVault', title: 'Sign in to Vault', arguments: [node] };
      return [new MessageNode(node.tokenProblem ?? 'Sign in to see the AWS roles.', node.tokenProblem ? 'warning' : 'sign-in', sign)];
    }
    try {
      const mounts = await this.cached(`mounts:${server.address}`, async () => (await this.source.client(server)).listAwsMounts());
      return mounts.length
        ? mounts.map((mount) => this.remember(new MountNode(server, mount)))
        : [new MessageNode('No AWS secrets engine is mounted on this server.')];
    } catch (error) {
      return [new MessageNode(messageOf(error), 'error')];
    }
  }

  private async mountChildren(node: MountNode): Promise<VaultNode[]> {
    const { server, mount } = node;
    let list: RoleList;
    let statics: StaticRoleNode[];
    try {
      [list, statics] = await Promise.all([
        this.cached(`roles:${server.address}:${mount}`, async () => (await this.source.client(server)).listRoles(mount)),
        this.staticRoles(server, mount),
      ]);
    } catch (error) {
      return [new MessageNode(messageOf(error), 'error')];
    }
    if (list.kind === 'forbidden') {
      return [new MessageNode(`Your token may not list roles here: ${list.message}`, 'lock'), ...statics];
    }
    if (!list.roles.length && !statics.length) {
      return [new MessageNode(`No roles in ${mount}/ yet.`)];
    }
    const leases = this.source.leases.list(server.address).filter((l) => l.mount === mount);
    const drawn = this.leasesByMount().get(`${server.address}|${mount}`);
    if (drawn === undefined) this.shownLeases.delete(`${server.address}|${mount}`);
    else this.shownLeases.set(`${server.address}|${mount}`, drawn);
    const roles = await Promise.all(
      list.roles.map(async (role) => {
        const info = await this.cached(`role:${server.address}:${mount}:${role}`, async () =>
          (await this.source.client(server)).readRole(mount, role),
        ).catch(() => undefined);
        return new VaultRoleNode(
          server,
          mount,
          role,
          info,
          leases.some((l) => l.role === role),
        );
      }),
    );
    return [...roles, ...statics];
  }

  /** Static roles the token may list; none when it may not (most people only lease). */
  private async staticRoles(server: VaultServer, mount: string): Promise<StaticRoleNode[]> {
    const list = await this.cached(`static:${server.address}:${mount}`, async () =>
      listStaticRoles(await this.source.client(server), mount),
    );
    if (list.kind !== 'roles') return [];
    const active = this.source.activeStatic();
    return Promise.all(
      list.roles.map(async (role) => {
        const info = await this.cached(`static:${server.address}:${mount}:${role}`, async () =>
          readStaticRole(await this.source.client(server), mount, role),
        ).catch(() => undefined);
        const isActive = active?.server === server.address && active.mount === mount && active.role === role;
        return new StaticRoleNode(server, mount, role, info, this.source.staticRotatesAt(server.address, mount, role), isActive);
      }),
    );
  }

  private leaseChildren(node: VaultRoleNode): LeaseNode[] {
    return this.source.leases
      .list(node.server.address)
      .filter((l) => l.mount === node.mount && l.role === node.role)
      .map((lease) => {
        const leaseNode = this.leaseNode(lease);
        this.leaseNodes.set(lease.leaseId, leaseNode);
        return leaseNode;
      });
  }

  private leaseNode(lease: Lease): LeaseNode {
    return new LeaseNode(lease, ...this.leaseState(lease.leaseId));
  }

  private leaseState(leaseId: string): [timeLeft: number | undefined, hasCredentials: boolean, active: boolean] {
    return [this.source.leases.timeLeft(leaseId), this.source.identityFor(leaseId) !== undefined, leaseId === this.source.activeLeaseId()];
  }

  private remember(node: MountNode): MountNode {
    this.mountNodes.set(`${node.server.address}|${node.mount}`, node);
    return node;
  }

  /**
   * The session changed (a switch, a refresh, a lease or static role made active): only the rows that show which
   * identity is active are redrawn, from what is cached. Clearing the cache and redrawing the whole tree re-asked
   * Vault at every switch and redrew the server rows under the mouse, losing a Sign in click.
   */
  sessionChanged(): void {
    this.tick();
    const active = this.source.activeStatic();
    const key = active ? `${active.server}|${active.mount}|${active.role}` : '';
    if (key === this.activeStaticKey) return;
    const before = this.activeStaticKey;
    this.activeStaticKey = key;
    for (const changed of new Set([before, key])) {
      const mount = this.mountNodes.get(changed.split('|').slice(0, 2).join('|'));
      if (mount) this.changed.fire(mount);
    }
  }

  /** Redraws the lease rows whose text changed, one event each; the others stay as they are under the mouse. */
  tick(): void {
    for (const [leaseId, node] of this.leaseNodes) {
      if (!this.source.leases.get(leaseId)) {
        this.leaseNodes.delete(leaseId);
      } else if (node.show(...this.leaseState(leaseId))) {
        this.changed.fire(node);
      }
    }
  }
}

/** An answer or its failure as text, to tell whether asking again changed it. */
function settled(answer: Promise<unknown>): Promise<string> {
  return answer.then(
    (value) => JSON.stringify(value) ?? 'nothing',
    (error: unknown) => `failed: ${messageOf(error)}`,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
