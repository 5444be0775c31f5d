// What the Vault commands and tree share: the servers from settings, one client per server with its token
// from SecretStorage (renewed before it expires), and this window's leases with their credentials (in memory).
import * as vscode from 'vscode';
import { clampDelay } from '../core/refreshPlan';
import type { Identity, Session } from '../core/session';
import { UserError } from '../core/userError';
import { type TokenInfo, VaultClient, type VaultServer } from '../core/vault/client';
import { type Lease, LeaseTracker } from '../core/vault/leases';
import type { Settings } from '../configuration/settings';

export interface VaultDeps {
  session: Session;
  log: vscode.LogOutputChannel;
  /** The settings as the roles get them (extension.ts): one reader, injected. */
  settings: () => Settings;
}

/** The part of the extension context the connections use: where tokens are kept. */
type SecretsHolder = Pick<vscode.ExtensionContext, 'secrets'>;

const secretKey = (address: string) => `iamSwitchboard.vault.token:${address}`;
// setTimeout overflows above 2^31-1 ms; a token TTL of a month would fire at once. (core/vault/leases.ts has the
// same guard for leases, not exported: one shared helper in core is left to the lead.)

/** Servers, their clients and tokens, and this window's leases with their credentials (in memory only). */
export class VaultConnections implements vscode.Disposable {
  readonly leases = new LeaseTracker();
  /** Leases created by this window, which revoke-on-exit revokes (restored ones belong to an earlier window). */
  readonly createdHere = new Set<string>();
  private readonly identities = new Map<string, Identity>();
  /** Static roles' keys this window read, by server|mount|role (in memory only, like lease credentials). */
  private readonly statics = new Map<string, Identity>();
  private readonly clients = new Map<string, Promise<VaultClient>>();
  private readonly renewTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly context: SecretsHolder,
    private readonly deps: VaultDeps,
  ) {}

  get settings(): Settings {
    return this.deps.settings();
  }

  servers(): VaultServer[] {
    const configured = this.settings.vault.servers;
    if (configured.length) {
      return configured;
    }
    // The environment's VAULT_ADDR is offered as a default server until the user configures one.
    const address = process.env.VAULT_ADDR;
    return address ? [{ name: 'VAULT_ADDR', address, namespace: process.env.VAULT_NAMESPACE || undefined }] : [];
  }

  client(server: VaultServer): Promise<VaultClient> {
    let client = this.clients.get(server.address);
    if (!client) {
      client = this.createClient(server);
      this.clients.set(server.address, client);
    }
    return client;
  }

  /** The client of the server that issued `lease`; a UserError when that server is no longer configured. */
  async clientFor(lease: Pick<Lease, 'server'>): Promise<VaultClient> {
    const server = this.servers().find((s) => s.address === lease.server);
    if (!server) {
      throw new UserError(
        `The Vault server of this lease is no longer configured; add ${lease.server} again to manage it.`,
        'VaultServerUnknown',
      );
    }
    return this.client(server);
  }

  /** True when a token for `server` is kept (in SecretStorage, loaded into its client), whether or not it still works. */
  async tokenKept(server: VaultServer): Promise<boolean> {
    return (await this.client(server)).signedIn;
  }

  async tokenInfo(server: VaultServer): Promise<TokenInfo | undefined> {
    const client = await this.client(server);
    if (!client.signedIn) {
      return undefined;
    }
    const info = await client.lookupSelf();
    this.scheduleTokenRenewal(server, info);
    return info;
  }

  /** Credentials of a lease this window holds in memory; none for leases restored after a reload. */
  identityFor(leaseId: string): Identity | undefined {
    return this.identities.get(leaseId);
  }

  activeLeaseId(): string | undefined {
    const origin = this.deps.session.identity?.origin;
    return origin?.kind === 'vault' ? origin.leaseId : undefined;
  }

  /** Keeps a static role's keys just read, so the tree can show their next rotation. */
  rememberStatic(identity: Identity): void {
    const origin = identity.origin;
    if (origin.kind === 'vaultStatic') {
      this.statics.set(`${origin.server}|${origin.mount}|${origin.role}`, identity);
    }
  }

  staticRotatesAt(server: string, mount: string, role: string): Date | undefined {
    const origin = this.statics.get(`${server}|${mount}|${role}`)?.origin;
    return origin?.kind === 'vaultStatic' ? origin.rotatesAt : undefined;
  }

  activeStatic(): { server: string; mount: string; role: string } | undefined {
    const origin = this.deps.session.identity?.origin;
    return origin?.kind === 'vaultStatic' ? origin : undefined;
  }

  /** True when some lease in the list came from an earlier window (known by id only). */
  hasRestoredLeases(): boolean {
    return this.leases.list().some((l) => !this.createdHere.has(l.leaseId));
  }

  remember(lease: Lease, identity: Identity): void {
    this.identities.set(lease.leaseId, identity);
    this.createdHere.add(lease.leaseId);
    this.leases.add(lease);
  }

  /** Drops a lease everywhere: the tree, the in-memory credentials and, when it is active, the session. */
  forget(leaseId: string): void {
    const identity = this.identities.get(leaseId);
    this.identities.delete(leaseId);
    this.createdHere.delete(leaseId);
    this.leases.remove(leaseId);
    if (identity) {
      this.deps.session.end(identity); // terminals pinned to the lease stop too (issue 18, hole 6)
    }
    if (this.activeLeaseId() === leaseId) {
      this.deps.session.clear();
    }
  }

  /** Settings changed: rebuild clients (address, CA, namespace may differ). */
  reset(): void {
    this.clients.clear();
    this.renewTimers.forEach((t) => clearTimeout(t));
    this.renewTimers.clear();
  }

  async signIn(server: VaultServer, token: string): Promise<void> {
    await this.context.secrets.store(secretKey(server.address), token);
    (await this.client(server)).setToken(token);
  }

  async signOut(server: VaultServer): Promise<void> {
    await this.context.secrets.delete(secretKey(server.address));
    (await this.client(server)).setToken(undefined);
    clearTimeout(this.renewTimers.get(server.address));
    this.renewTimers.delete(server.address);
  }

  dispose(): void {
    this.reset();
    this.leases.dispose();
  }

  private async createClient(server: VaultServer): Promise<VaultClient> {
    const token = await this.context.secrets.get(secretKey(server.address));
    return new VaultClient(server, {
      token,
      timeoutMs: this.settings.requestTimeoutMs,
      log: (message) => this.deps.log.info(message),
      warn: (message) => {
        this.deps.log.warn(message);
        void vscode.window.showWarningMessage(message);
      },
    });
  }

  /** Renews a renewable token at two thirds of its TTL, so a long session does not lose its sign-in. */
  private scheduleTokenRenewal(server: VaultServer, info: TokenInfo): void {
    clearTimeout(this.renewTimers.get(server.address));
    if (!info.renewable || info.ttl <= 0) {
      return;
    }
    const delay = clampDelay((info.ttl * 1000 * 2) / 3);
    const timer = setTimeout(() => {
      void this.client(server)
        .then((client) => client.renewSelf())
        .then((renewed) => this.scheduleTokenRenewal(server, renewed))
        .catch((error: unknown) =>
          this.deps.log.warn(`Could not renew the Vault token for ${server.address}: ${(error as Error).message}`),
        );
    }, delay);
    timer.unref?.();
    this.renewTimers.set(server.address, timer);
  }
}
