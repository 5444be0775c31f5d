import * as os from 'node:os';
import * as vscode from 'vscode';
import { whileNotCancelled } from '../cancellation';
import { formatSeconds, parseDuration } from '../core/duration';
import type { Identity } from '../core/session';
import { UserError } from '../core/userError';
import { LeaseRequest, STS_CREDENTIAL_TYPES, VaultClient, VaultRole, VaultServer, waitUntilUsable } from '../core/vault';
import type { Lease } from '../core/vaultLeases';
import { registerCommand, showError } from '../errors';
import type { Settings, VaultServerSetting } from '../configuration/settings';
import { VaultTreeProvider } from '../treeViews/vaultTree';
import { VaultConnections, VaultDeps } from './vaultConnections';

export type { VaultDeps } from './vaultConnections';

// Lease ids (never credentials) kept across reloads when leases are not revoked on exit.
const SAVED_LEASES_KEY = 'iamSwitchboard.vault.leases';
const EXIT_REVOKE_BUDGET_MS = 5000;

let exitHook: (() => Promise<void>) | undefined;

/** Called from `deactivate()`: revokes every lease this window created, within a few seconds at most. */
export function revokeLeasesOnExit(): Promise<void> {
  return exitHook?.() ?? Promise.resolve();
}

// Shapes the commands accept: tree nodes, or plain objects with the same fields (keybindings, tests).
interface ServerArg {
  server?: { address: string };
  token?: string;
}
interface RoleArg extends ServerArg {
  mount?: string;
  role?: string;
  credentialType?: string;
  ttl?: string;
  roleArn?: string;
  mfaCode?: string;
  wait?: boolean;
}
/** A lease request gathered from the person, ready to send. */
interface PlannedLease {
  server: VaultServer;
  client: VaultClient;
  mount: string;
  role: string;
  request: Omit<LeaseRequest, 'signal'>;
  /** iam_user only: poll STS until the new keys work. */
  wait: boolean;
}
interface LeaseArg {
  lease?: { leaseId: string };
  increment?: string;
}

export function registerVault(context: vscode.ExtensionContext, deps: VaultDeps): void {
  const { session, log } = deps;
  const connections = new VaultConnections(context, deps);
  const tree = new VaultTreeProvider(connections);
  const view = vscode.window.createTreeView('iamSwitchboard.vault', { treeDataProvider: tree, showCollapseAll: true });
  connections.leases.restore(context.workspaceState.get(SAVED_LEASES_KEY));

  const saveLeases = () =>
    context.workspaceState.update(SAVED_LEASES_KEY, connections.settings.vault.revokeLeasesOnExit && !hasRestored(connections) ? undefined : connections.leases.toJSON());

  context.subscriptions.push(
    view,
    tree,
    connections,
    connections.leases.onDidChange(() => {
      void vscode.commands.executeCommand('setContext', 'iamSwitchboard.hasLeases', connections.leases.list().length > 0);
      void saveLeases();
    }),
    connections.leases.onDidExpire((lease) => {
      const wasActive = connections.activeLeaseId() === lease.leaseId;
      connections.forget(lease.leaseId);
      log.info(`Vault lease ${lease.leaseId} expired.`);
      if (wasActive) {
        void vscode.window.showInformationMessage(`The Vault lease for ${lease.role} expired; its credentials were removed from new terminals.`);
      }
    }),
    session.onDidChange(() => tree.refresh()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // Only what the clients are built from: rebuilding the tree for, say, revokeLeasesOnExit made a click on a
      // row during the refresh reach the command without its node (and ask for the role again).
      if (event.affectsConfiguration('iamSwitchboard.vault.servers') || event.affectsConfiguration('iamSwitchboard.requestTimeoutSeconds')) {
        connections.reset();
        tree.refresh();
      }
    }),
  );
  void vscode.commands.executeCommand('setContext', 'iamSwitchboard.hasLeases', connections.leases.list().length > 0);

  const commands = new VaultCommands(connections, tree, deps);
  const register = <A extends ServerArg | LeaseArg>(id: string, action: string, run: (arg?: A) => Promise<unknown>) =>
    registerCommand<A>(log, id, action, run, (error, arg) => {
      if (error instanceof UserError && SIGN_IN_AGAIN_CODES.has(error.code ?? '')) {
        offerSignIn(log, error, action, (arg as ServerArg | undefined)?.server);
      } else {
        showError(log, error, action);
      }
    });
  context.subscriptions.push(
    register('iamSwitchboard.addVaultServer', 'Add Vault server', () => commands.addServer()),
    register<ServerArg>('iamSwitchboard.signInToVault', 'Sign in to Vault', (arg) => commands.signIn(arg)),
    register<ServerArg>('iamSwitchboard.signOutOfVault', 'Sign out of Vault', (arg) => commands.signOut(arg)),
    register<RoleArg>('iamSwitchboard.leaseCredentials', 'Lease credentials', (arg) => commands.lease(arg)),
    register<LeaseArg>('iamSwitchboard.renewLease', 'Renew lease', (arg) => commands.renew(arg)),
    register<LeaseArg>('iamSwitchboard.revokeLease', 'Revoke lease', (arg) => commands.revoke(arg)),
    register<LeaseArg>('iamSwitchboard.lookupLease', 'Look up lease', (arg) => commands.lookup(arg)),
    vscode.commands.registerCommand('iamSwitchboard.refreshVault', () => tree.refresh()),
  );

  exitHook = async () => {
    if (!connections.settings.vault.revokeLeasesOnExit) {
      await saveLeases();
      return;
    }
    await commands.revokeAllCreatedHere(EXIT_REVOKE_BUDGET_MS);
  };
  context.subscriptions.push({ dispose: () => (exitHook = undefined) });
}

// A token that expired or was revoked is fixed by signing in again: offer it on the error itself.
const SIGN_IN_AGAIN_CODES = new Set(['VaultTokenExpired', 'VaultNotSignedIn']);

function offerSignIn(log: vscode.LogOutputChannel, error: UserError, action: string, server?: { address: string }): void {
  log.error(`${action}: ${error.code}: ${error.message}${error.detail ? ` (${error.detail})` : ''}`);
  void vscode.window.showErrorMessage(error.message, 'Sign in').then((choice) => {
    if (choice) {
      void vscode.commands.executeCommand('iamSwitchboard.signInToVault', server ? { server } : undefined);
    }
  });
}

function hasRestored(connections: VaultConnections): boolean {
  return connections.leases.list().some((l) => !connections.createdHere.has(l.leaseId));
}

class VaultCommands {
  constructor(
    private readonly connections: VaultConnections,
    private readonly tree: VaultTreeProvider,
    private readonly deps: VaultDeps,
  ) {}

  async addServer(): Promise<void> {
    const name = await vscode.window.showInputBox({ title: 'Add Vault Server (1/3)', prompt: 'A name for this server', placeHolder: 'lab', ignoreFocusOut: true });
    if (!name) return;
    const address = await vscode.window.showInputBox({
      title: 'Add Vault Server (2/3)',
      prompt: 'Vault address',
      value: process.env.VAULT_ADDR ?? 'https://',
      ignoreFocusOut: true,
      validateInput: (value) => (/^https?:\/\/[^/\s]+/.test(value.trim()) ? undefined : 'Enter an http:// or https:// address, e.g. https://vault.example.com:8200'),
    });
    if (!address) return;
    const namespace = await vscode.window.showInputBox({ title: 'Add Vault Server (3/3)', prompt: 'Namespace (Vault Enterprise; leave empty for none)', ignoreFocusOut: true });
    if (namespace === undefined) return;
    const server: VaultServerSetting = { name: name.trim(), address: address.trim().replace(/\/+$/, ''), ...(namespace.trim() ? { namespace: namespace.trim() } : {}) };
    // Machine-scoped setting: it can only live in user settings, so a workspace cannot redirect the token.
    const config = vscode.workspace.getConfiguration('iamSwitchboard');
    const current = config.inspect<VaultServerSetting[]>('vault.servers')?.globalValue ?? [];
    await config.update('vault.servers', [...current.filter((s) => s.address !== server.address), server], vscode.ConfigurationTarget.Global);
    const choice = await vscode.window.showInformationMessage(`Added Vault server ${server.name}.`, 'Sign in');
    if (choice) {
      await vscode.commands.executeCommand('iamSwitchboard.signInToVault', { server });
    }
  }

  async signIn(arg?: ServerArg): Promise<void> {
    const server = await this.server(arg);
    if (!server) return;
    const client = await this.connections.client(server);
    const method = arg?.token ? undefined : await this.pickSignInMethod();
    let token = arg?.token;
    if (!token && method === 'token') {
      token = await vscode.window.showInputBox({ title: `Sign in to ${server.name}`, prompt: 'Vault token', password: true, ignoreFocusOut: true });
    } else if (!token && method === 'userpass') {
      const username = await vscode.window.showInputBox({ title: `Sign in to ${server.name}`, prompt: 'Username', ignoreFocusOut: true });
      if (!username) return;
      const password = await vscode.window.showInputBox({ title: `Sign in to ${server.name}`, prompt: `Password for ${username}`, password: true, ignoreFocusOut: true });
      if (!password) return;
      token = (await client.loginUserpass(username, password)).token;
    }
    if (!token) return;
    // Checked before it replaces anything: a failed sign-in leaves the current token in use and in SecretStorage.
    const info = await client.checkToken(token);
    await this.connections.signIn(server, token);
    client.setToken(token);
    this.deps.log.info(`Signed in to Vault at ${server.address} as ${info.displayName} (${info.policies.join(', ')}).`);
    this.tree.refresh();
    void vscode.window.showInformationMessage(`Signed in to ${server.name} as ${info.displayName || 'token'} (policies: ${info.policies.join(', ')}).`);
  }

  async signOut(arg?: ServerArg): Promise<void> {
    const server = await this.server(arg);
    if (!server) return;
    await this.connections.signOut(server);
    this.tree.refresh();
    void vscode.window.showInformationMessage(`Signed out of ${server.name}; its token is forgotten. Leases stay valid until they expire or you revoke them.`);
  }

  async lease(arg?: RoleArg): Promise<{ leaseId: string; label: string } | undefined> {
    const request = await this.gatherLeaseRequest(arg);
    return request && this.leaseAndApply(request);
  }

  /** Server, role and lease parameters, from the argument or asked for; undefined when the person backs out. */
  private async gatherLeaseRequest(arg?: RoleArg): Promise<PlannedLease | undefined> {
    const server = await this.server(arg);
    if (!server) return undefined;
    const client = await this.connections.client(server);
    const target = arg?.mount && arg.role ? { mount: arg.mount, role: arg.role } : await this.pickRole(client);
    if (!target) return undefined;
    const { mount, role } = target;
    const info = await client.readRole(mount, role);
    const credentialType = arg?.credentialType ?? (await this.pickCredentialType(info));
    if (!credentialType) return undefined;
    const isSts = STS_CREDENTIAL_TYPES.includes(credentialType);
    const ttl = isSts ? (arg?.ttl ?? (await this.askTtl(info))) : undefined;
    if (isSts && !ttl) return undefined;
    const choosesArn = credentialType === 'assumed_role' && !!info && info.roleArns.length > 1;
    const roleArn = arg?.roleArn ?? (choosesArn ? await this.pick(info.roleArns, 'Role ARN to assume') : undefined);
    if (choosesArn && !roleArn) return undefined;
    const mfaCode = arg?.mfaCode ?? (info?.mfaSerialNumber ? await this.askMfa(info.mfaSerialNumber) : undefined);
    if (info?.mfaSerialNumber && !mfaCode) return undefined;
    const settings = this.connections.settings;
    return {
      server,
      client,
      mount,
      role,
      request: {
        credentialType,
        ttl,
        roleArn,
        mfaCode,
        roleSessionName: credentialType === 'assumed_role' ? (settings.roleSessionName ?? `iam-switchboard-${os.userInfo().username}`) : undefined,
      },
      wait: credentialType === 'iam_user' && (arg?.wait ?? settings.vault.waitForIamUserKeys),
    };
  }

  /** Leases under one cancellable notification, tracks the lease and makes it the session identity. */
  private async leaseAndApply({ server, client, mount, role, request, wait }: PlannedLease): Promise<{ leaseId: string; label: string }> {
    const settings = this.connections.settings;
    // One notification for the whole flow: VS Code drops toasts that follow each other within a second,
    // so separate progress notifications would swallow the "ready" message below.
    const { leased, identity } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Vault: ${role}`, cancellable: true },
      (progress, token) => whileNotCancelled(token, async (signal) => {
        progress.report({ message: `leasing ${request.credentialType} credentials…` });
        const leased = await client.leaseCredentials(mount, role, { ...request, signal });
        const identity: Identity = {
          label: `vault:${role}`,
          arn: leased.arn,
          accountId: leased.arn?.split(':')[4] || undefined,
          region: settings.region,
          credentials: leased.credentials,
          origin: { kind: 'vault', server: server.address, mount, role, leaseId: leased.lease.leaseId, renewable: leased.lease.renewable, credentialType: request.credentialType },
        };
        this.connections.remember(leased.lease, identity);
        for (const warning of leased.warnings) {
          this.deps.log.warn(`Vault: ${warning}`);
        }
        if (wait) {
          progress.report({ message: 'waiting until AWS accepts the new keys (IAM takes a few seconds)…' });
          const usable = await this.waitForKeys(identity, settings, signal);
          if (usable) {
            identity.arn = usable.arn;
            identity.accountId = usable.account;
          }
        }
        return { leased, identity };
      }),
    );
    this.deps.session.set(identity);
    const until = leased.lease.expiresAt ? ` until ${leased.lease.expiresAt.toLocaleTimeString()}` : '';
    const note = leased.warnings.length ? ` Vault says: ${leased.warnings.join(' ')}` : '';
    void vscode.window.showInformationMessage(`Vault credentials for ${role} are ready in new terminals${until}.${note}`);
    return { leaseId: leased.lease.leaseId, label: identity.label };
  }

  async renew(arg?: LeaseArg): Promise<void> {
    const lease = await this.lease_(arg);
    if (!lease) return;
    if (!lease.renewable) {
      const until = lease.expiresAt ? ` until ${lease.expiresAt.toLocaleTimeString()}` : ' until they expire';
      throw new UserError(`This ${lease.credentialType} lease cannot be renewed: STS credentials from Vault stay valid${until}; lease new credentials when you need more time.`, 'VaultLeaseNotRenewable');
    }
    const text = arg?.increment ?? (await this.askDuration('Renew by how long?', formatSeconds(lease.leaseDuration || 3600)));
    if (!text) return;
    const increment = parseDuration(text) ?? 0;
    const client = await this.clientFor(lease);
    const renewed = await client.renewLease(lease.leaseId, increment).catch((error: unknown) => this.dropIfGone(lease, error));
    this.connections.leases.update(lease.leaseId, { leaseDuration: renewed.leaseDuration, expiresAt: renewed.expiresAt, renewable: renewed.renewable });
    const identity = this.connections.identityFor(lease.leaseId);
    if (identity) {
      identity.credentials = { ...identity.credentials, expiration: renewed.expiresAt };
      if (this.connections.activeLeaseId() === lease.leaseId) {
        this.deps.session.set(identity);
      }
    }
    const capped = renewed.leaseDuration < increment ? ' (Vault capped it at the lease’s maximum TTL)' : '';
    void vscode.window.showInformationMessage(`Renewed the lease for ${lease.role}: valid for ${formatSeconds(renewed.leaseDuration)} more${capped}.`);
  }

  async revoke(arg?: LeaseArg): Promise<void> {
    const lease = await this.lease_(arg);
    if (!lease) return;
    const client = await this.clientFor(lease);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Revoking the lease for ${lease.role}…` }, () => client.revokeLease(lease.leaseId));
    this.connections.forget(lease.leaseId);
    this.deps.log.info(`Revoked Vault lease ${lease.leaseId}.`);
    const message = STS_CREDENTIAL_TYPES.includes(lease.credentialType)
      ? `Revoked the lease for ${lease.role}. AWS keeps STS credentials valid${lease.expiresAt ? ` until ${lease.expiresAt.toLocaleTimeString()}` : ' until they expire'}; new terminals no longer get them.`
      : `Revoked the lease for ${lease.role}: Vault deleted its IAM user, so those keys no longer work.`;
    void vscode.window.showInformationMessage(message);
  }

  async lookup(arg?: LeaseArg): Promise<void> {
    const lease = await this.lease_(arg);
    if (!lease) return;
    const client = await this.clientFor(lease);
    const info = await client.lookupLease(lease.leaseId).catch((error: unknown) => this.dropIfGone(lease, error));
    const parts = [
      `${info.renewable ? 'renewable' : 'not renewable'}`,
      `${formatSeconds(info.ttl)} left`,
      info.expireTime ? `expires ${info.expireTime.toLocaleString()}` : '',
      info.issueTime ? `issued ${info.issueTime.toLocaleString()}` : '',
      info.lastRenewal ? `last renewed ${info.lastRenewal.toLocaleString()}` : '',
    ].filter(Boolean);
    void vscode.window.showInformationMessage(`Lease ${info.id}: ${parts.join(', ')}.`);
  }

  /** Revokes this window's leases in parallel, giving up after `budgetMs` so closing the window never hangs. */
  async revokeAllCreatedHere(budgetMs: number): Promise<void> {
    const leases = this.connections.leases.list().filter((l) => this.connections.createdHere.has(l.leaseId));
    const revokeOne = async (lease: Lease) => {
      await (await this.clientFor(lease)).revokeLease(lease.leaseId);
      this.connections.forget(lease.leaseId);
    };
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), budgetMs)));
    const results = Promise.allSettled(leases.map(revokeOne));
    const outcome = await Promise.race([results, budget]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.deps.log.warn(`Revoking ${leases.length} Vault lease(s) on exit took longer than ${budgetMs / 1000} s; some may stay until they expire.`);
    } else {
      outcome.filter((r) => r.status === 'rejected').forEach((r) => this.deps.log.warn(`Could not revoke a Vault lease on exit: ${(r as PromiseRejectedResult).reason}`));
    }
  }

  /** When Vault no longer knows a lease, it leaves the tree and the session before the error is shown. */
  private dropIfGone(lease: Lease, error: unknown): never {
    if (error instanceof UserError && (error.code === 'VaultLeaseNotFound' || error.code === 'VaultLeaseExpired')) {
      this.connections.forget(lease.leaseId);
    }
    throw error;
  }

  private async waitForKeys(identity: Identity, settings: Settings, signal: AbortSignal): Promise<{ arn: string; account: string } | undefined> {
    try {
      return await waitUntilUsable(identity.credentials, { endpoint: settings.stsEndpoint, region: settings.region, signal });
    } catch (error) {
      // The lease stands either way; the person hears why the keys are not confirmed yet.
      showError(this.deps.log, error, 'Wait for new Vault keys');
      return undefined;
    }
  }

  private async clientFor(lease: Lease): Promise<VaultClient> {
    const server = this.connections.servers().find((s) => s.address === lease.server);
    if (!server) {
      throw new UserError(`The Vault server of this lease is no longer configured; add ${lease.server} again to manage it.`, 'VaultServerUnknown');
    }
    return this.connections.client(server);
  }

  private async server(arg?: ServerArg): Promise<VaultServer | undefined> {
    const servers = this.connections.servers();
    if (arg?.server) {
      const found = servers.find((s) => s.address === arg.server!.address);
      if (!found) {
        throw new UserError(`Vault server ${arg.server.address} is not configured; add it with "Add Vault Server…" first.`, 'VaultServerUnknown');
      }
      return found;
    }
    if (!servers.length) {
      throw new UserError('No Vault server is configured; run "Add Vault Server…" first.', 'VaultNoServers');
    }
    if (servers.length === 1) return servers[0];
    const picked = await vscode.window.showQuickPick(
      servers.map((s) => ({ label: s.name, description: s.address, server: s })),
      { title: 'Vault server' },
    );
    return picked?.server;
  }

  private async lease_(arg?: LeaseArg): Promise<Lease | undefined> {
    if (arg?.lease) {
      const lease = this.connections.leases.get(arg.lease.leaseId);
      if (!lease) {
        throw new UserError('That lease is no longer live in this window (it expired or was revoked); refresh the Vault view.', 'VaultLeaseGone');
      }
      return lease;
    }
    const leases = this.connections.leases.list();
    if (!leases.length) {
      throw new UserError('This window holds no Vault leases; lease credentials from a role in the Vault view first.', 'VaultNoLeases');
    }
    const picked = await vscode.window.showQuickPick(
      leases.map((lease) => ({ label: lease.role, description: lease.leaseId, lease })),
      { title: 'Vault lease' },
    );
    return picked?.lease;
  }

  private async pickSignInMethod(): Promise<'token' | 'userpass' | undefined> {
    const picked = await vscode.window.showQuickPick(
      [
        { label: 'Token', method: 'token' as const, detail: 'Paste a Vault token; it is kept in VS Code secret storage only.' },
        { label: 'Username and password', method: 'userpass' as const, detail: 'Sign in through the userpass auth method.' },
      ],
      { title: 'Sign in to Vault with' },
    );
    return picked?.method;
  }

  private async pickRole(client: VaultClient): Promise<{ mount: string; role: string } | undefined> {
    const items: Array<vscode.QuickPickItem & { mount: string; role: string }> = [];
    for (const mount of await client.listAwsMounts()) {
      const list = await client.listRoles(mount);
      if (list.kind === 'roles') {
        items.push(...list.roles.map((role) => ({ label: role, description: `${mount}/`, mount, role })));
      }
    }
    if (!items.length) {
      throw new UserError(`No AWS roles are visible on Vault at ${client.address}; ask your Vault admin for "list" on <mount>/roles.`, 'VaultNoRoles');
    }
    return vscode.window.showQuickPick(items, { title: 'Vault role to lease credentials from' });
  }

  private async pickCredentialType(info: VaultRole | undefined): Promise<string | undefined> {
    const types = info?.credentialTypes.length ? info.credentialTypes : ['iam_user', 'assumed_role', 'federation_token'];
    return types.length === 1 ? types[0] : this.pick(types, 'Credential type');
  }

  private async pick(options: string[], title: string): Promise<string | undefined> {
    return vscode.window.showQuickPick(options, { title });
  }

  private askTtl(info: VaultRole | undefined): Promise<string | undefined> {
    const fallback = this.connections.settings.vault.defaultStsTtl;
    // A TTL the person chose in settings wins; otherwise the Vault role's own default, then the setting's default.
    const chosen = vscode.workspace.getConfiguration('iamSwitchboard').inspect<string>('vault.defaultStsTtl');
    const configured = chosen?.globalValue ?? chosen?.workspaceValue ?? chosen?.workspaceFolderValue;
    const value = !configured && info?.defaultStsTtl ? formatSeconds(info.defaultStsTtl) : fallback;
    return this.askDuration('How long should the STS credentials last?', value);
  }

  private async askDuration(prompt: string, value: string): Promise<string | undefined> {
    const text = await vscode.window.showInputBox({
      prompt,
      value,
      ignoreFocusOut: true,
      validateInput: (input) => (parseDuration(input) ? undefined : 'Enter a duration such as 15m, 1h or 3600'),
    });
    return text?.trim();
  }

  private askMfa(serial: string): Promise<string | undefined> {
    return Promise.resolve(
      vscode.window.showInputBox({
        prompt: `MFA code for ${serial}`,
        ignoreFocusOut: true,
        validateInput: (input) => (/^\d{6}$/.test(input.trim()) ? undefined : 'Enter the 6-digit code'),
      }),
    ).then((code) => code?.trim());
  }
}

