import * as vscode from 'vscode';
import type { Identity } from '../core/session';
import { formatTimeLeft } from '../core/time';
import type { RoleList, TokenInfo, VaultClient, VaultHealth, VaultRole, VaultServer } from '../core/vault';
import type { Lease, LeaseTracker } from '../core/vaultLeases';

/** What the tree needs from the Vault connections (implemented in commands/vault.ts). */
export interface VaultTreeSource {
  servers(): VaultServer[];
  client(server: VaultServer): Promise<VaultClient>;
  /** Who is signed in, or undefined when signed out; throws when the token no longer works. */
  tokenInfo(server: VaultServer): Promise<TokenInfo | undefined>;
  readonly leases: LeaseTracker;
  /** Credentials of a lease this window holds in memory (none for leases restored after a reload). */
  identityFor(leaseId: string): Identity | undefined;
  activeLeaseId(): string | undefined;
}

export type VaultNode = ServerNode | MountNode | RoleNode | LeaseNode | MessageNode;

export class ServerNode extends vscode.TreeItem {
  constructor(
    readonly server: VaultServer,
    readonly health: VaultHealth,
    readonly token: TokenInfo | undefined,
    readonly tokenProblem: string | undefined,
  ) {
    super(server.name, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `vault:${server.address}`;
    this.contextValue = token ? 'vaultServer.signedIn' : 'vaultServer.signedOut';
    this.iconPath = new vscode.ThemeIcon(health.status === 'active' || health.status === 'standby' ? 'server' : 'warning');
    const who = token ? `${token.displayName || 'token'} (${token.policies.join(', ')})${token.ttl ? ` · token ${formatTimeLeft(token.ttl * 1000)}` : ''}` : 'signed out';
    this.description = `${health.status} · ${who}`;
    this.tooltip = [server.address, server.namespace ? `namespace ${server.namespace}` : '', health.version ? `Vault ${health.version}` : '', health.message ?? '', tokenProblem ?? '']
      .filter(Boolean)
      .join('\n');
  }
}

export class MountNode extends vscode.TreeItem {
  constructor(
    readonly server: VaultServer,
    readonly mount: string,
  ) {
    super(`${mount}/`, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `vault:${server.address}:${mount}`;
    this.contextValue = 'vaultMount';
    this.iconPath = new vscode.ThemeIcon('folder-library');
  }
}

export class RoleNode extends vscode.TreeItem {
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
    this.tooltip = info?.roleArns.length ? info.roleArns.join('\n') : `${mount}/roles/${role}`;
  }
}

export class LeaseNode extends vscode.TreeItem {
  constructor(
    readonly lease: Lease,
    timeLeft: number | undefined,
    /** For "Open Terminal as Role"; undefined for leases known only by id (restored after a reload). */
    readonly identity: Identity | undefined,
    active: boolean,
  ) {
    super(shortLeaseId(lease.leaseId), vscode.TreeItemCollapsibleState.None);
    this.id = `vault-lease:${lease.leaseId}`;
    this.contextValue = `vaultLease${lease.renewable ? '.renewable' : ''}${active ? '.active' : ''}`;
    this.iconPath = new vscode.ThemeIcon(active ? 'pass-filled' : 'watch');
    const left = timeLeft === undefined ? 'no expiry' : `${formatTimeLeft(timeLeft)} left`;
    this.description = `${left} · ${lease.renewable ? 'renewable' : 'not renewable'}${identity ? '' : ' · from an earlier window'}`;
    this.tooltip = [lease.leaseId, lease.credentialType, lease.expiresAt ? `Expires ${lease.expiresAt.toLocaleString()}` : ''].filter(Boolean).join('\n');
  }
}

/** A leaf that explains an empty or failed level instead of leaving it blank. */
export class MessageNode extends vscode.TreeItem {
  constructor(message: string, icon = 'info', command?: vscode.Command) {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.contextValue = 'vaultMessage';
    this.iconPath = new vscode.ThemeIcon(icon);
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
 * Servers → AWS mounts → roles → this window's leases. Network answers are cached until `refresh()`; lease nodes
 * re-render on their own every few seconds so the countdown moves without asking Vault again.
 */
export class VaultTreeProvider implements vscode.TreeDataProvider<VaultNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<VaultNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private cache = new Map<string, Promise<unknown>>();
  private leaseNodes = new Map<string, LeaseNode>();
  private readonly ticker: NodeJS.Timeout;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly source: VaultTreeSource) {
    this.ticker = setInterval(() => this.tick(), 5000);
    this.subscriptions = [this.changed, source.leases.onDidChange(() => this.changed.fire(undefined))];
  }

  /** Forgets cached health, tokens and roles and asks Vault again. */
  refresh(): void {
    this.cache.clear();
    this.changed.fire(undefined);
  }

  getTreeItem(node: VaultNode): vscode.TreeItem {
    return node;
  }

  async getChildren(node?: VaultNode): Promise<VaultNode[]> {
    if (!node) {
      return Promise.all(this.source.servers().map((server) => this.serverNode(server)));
    }
    if (node instanceof ServerNode) {
      return this.serverChildren(node);
    }
    if (node instanceof MountNode) {
      return this.mountChildren(node);
    }
    if (node instanceof RoleNode) {
      return this.leaseChildren(node);
    }
    return [];
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.subscriptions.forEach((s) => s.dispose());
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    let value = this.cache.get(key) as Promise<T> | undefined;
    if (!value) {
      value = load();
      this.cache.set(key, value);
      // A failure is shown once, then asked again on the next expansion.
      value.catch(() => this.cache.delete(key));
    }
    return value;
  }

  private async serverNode(server: VaultServer): Promise<ServerNode> {
    const health = await this.cached(`health:${server.address}`, async () => (await this.source.client(server)).health());
    let token: TokenInfo | undefined;
    let tokenProblem: string | undefined;
    if (health.status === 'active' || health.status === 'standby') {
      try {
        token = await this.cached(`token:${server.address}`, () => this.source.tokenInfo(server));
      } catch (error) {
        tokenProblem = error instanceof Error ? error.message : String(error);
      }
    }
    return new ServerNode(server, health, token, tokenProblem);
  }

  private async serverChildren(node: ServerNode): Promise<VaultNode[]> {
    const { server, health } = node;
    if (health.status === 'unreachable') {
      return [new MessageNode(health.message ?? `Could not reach ${server.address}.`, 'error')];
    }
    if (health.status === 'sealed' || health.status === 'uninitialised') {
      return [new MessageNode(`Vault is ${health.status}; ask an operator to ${health.status === 'sealed' ? 'unseal' : 'initialise'} it, then refresh.`, 'lock')];
    }
    if (!node.token) {
      const sign = { command: 'iamSwitchboard.signInToVault', title: 'Sign in to Vault', arguments: [node] };
      return [new MessageNode(node.tokenProblem ?? 'Sign in to see the AWS roles.', node.tokenProblem ? 'warning' : 'sign-in', sign)];
    }
    try {
      const mounts = await this.cached(`mounts:${server.address}`, async () => (await this.source.client(server)).listAwsMounts());
      return mounts.length ? mounts.map((mount) => new MountNode(server, mount)) : [new MessageNode('No AWS secrets engine is mounted on this server.')];
    } catch (error) {
      return [new MessageNode(messageOf(error), 'error')];
    }
  }

  private async mountChildren(node: MountNode): Promise<VaultNode[]> {
    const { server, mount } = node;
    let list: RoleList;
    try {
      list = await this.cached(`roles:${server.address}:${mount}`, async () => (await this.source.client(server)).listRoles(mount));
    } catch (error) {
      return [new MessageNode(messageOf(error), 'error')];
    }
    if (list.kind === 'forbidden') {
      return [new MessageNode(`Your token may not list roles here: ${list.message}`, 'lock')];
    }
    if (!list.roles.length) {
      return [new MessageNode(`No roles in ${mount}/ yet.`)];
    }
    const leases = this.source.leases.list(server.address).filter((l) => l.mount === mount);
    return Promise.all(
      list.roles.map(async (role) => {
        const info = await this.cached(`role:${server.address}:${mount}:${role}`, async () => (await this.source.client(server)).readRole(mount, role)).catch(
          () => undefined,
        );
        return new RoleNode(server, mount, role, info, leases.some((l) => l.role === role));
      }),
    );
  }

  private leaseChildren(node: RoleNode): LeaseNode[] {
    const active = this.source.activeLeaseId();
    return this.source.leases
      .list(node.server.address)
      .filter((l) => l.mount === node.mount && l.role === node.role)
      .map((lease) => {
        const leaseNode = new LeaseNode(lease, this.source.leases.timeLeft(lease.leaseId), this.source.identityFor(lease.leaseId), lease.leaseId === active);
        this.leaseNodes.set(lease.leaseId, leaseNode);
        return leaseNode;
      });
  }

  private tick(): void {
    for (const [leaseId, node] of this.leaseNodes) {
      const lease = this.source.leases.get(leaseId);
      if (!lease) {
        this.leaseNodes.delete(leaseId);
        continue;
      }
      const fresh = new LeaseNode(lease, this.source.leases.timeLeft(leaseId), node.identity, leaseId === this.source.activeLeaseId());
      node.description = fresh.description;
      node.contextValue = fresh.contextValue;
      node.iconPath = fresh.iconPath;
      this.changed.fire(node);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
