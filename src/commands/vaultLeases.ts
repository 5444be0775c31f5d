// The lease commands of the Vault view: lease credentials from a role, renew, revoke, look up, and open a
// terminal with a lease's credentials. Each takes the node it is invoked on, or asks.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { whileNotCancelled } from '../cancellation';
import { formatSeconds, parseDuration } from '../core/duration';
import type { Identity } from '../core/session';
import { UserError } from '../core/userError';
import { type LeaseRequest, STS_CREDENTIAL_TYPES, type VaultClient, type VaultRole, type VaultServer } from '../core/vault/client';
import { waitUntilUsable } from '../core/sts/waitForKeys';
import type { Lease } from '../core/vault/leases';
import { checkSessionName, defaultSessionName, formatDuration, needsMfaCode, ttlChoices } from '../core/vault/stsOptions';
import { isExplicitlySet, userValue } from '../configuration/writes';
import type { Settings } from '../configuration/settings';
import { showError } from '../errors';
import { askMfaCode } from '../prompts/mfaCode';
import { askDuration, askSessionName, pickLease, pickOne, pickServer, pickTtl, pickVaultRole, type TtlItem } from '../prompts/vaultPrompts';
import { terminalsReached } from '../core/endpoint/terminalReach';
import { clockTime } from '../core/time';
import type { VaultConnections, VaultDeps } from '../store/vaultConnections';
import { type LeaseNode, shortLeaseId, type VaultRoleNode } from '../treeViews/vaultTree';
import type { VaultLeaseDocuments } from '../vaultLeaseDocument';

/** What a caller may fix in advance instead of being asked (tests, keybindings, automation). */
interface LeaseOptions {
  credentialType: string;
  /** A duration such as `15m` or `1h 30m`; STS credential types only. */
  ttl: string;
  roleArn: string;
  mfaCode: string;
  /** assumed_role only: the session name in the role's ARN (asked for, unless `ttl` is given too). */
  roleSessionName: string;
  /** iam_user only: wait until AWS accepts the new keys (default: iamSwitchboard.vault.waitForIamUserKeys). */
  wait: boolean;
}
/** Lease Credentials, from a role node (only `server.address`, `mount` and `role` are read). */
export type LeaseCredentialsArgs = Pick<VaultRoleNode, 'server' | 'mount' | 'role'> & Partial<LeaseOptions>;
/** Renew, Revoke, Look Up, Open Terminal: from a lease node (only `lease.leaseId` is read). */
export type LeaseArgs = Pick<LeaseNode, 'lease'>;
export type RenewArgs = LeaseArgs & { increment?: string };

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

const RESTORED_LEASE_MESSAGE = 'Credentials are not kept across reloads: lease again.';

export class VaultLeaseCommands {
  constructor(
    private readonly connections: VaultConnections,
    private readonly documents: VaultLeaseDocuments,
    private readonly deps: VaultDeps,
  ) {}

  async lease(arg?: LeaseCredentialsArgs): Promise<{ leaseId: string; label: string } | undefined> {
    const request = await this.gatherLeaseRequest(arg);
    return request && this.leaseAndApply(request);
  }

  async renew(arg?: RenewArgs): Promise<void> {
    const lease = await this.chosenLease(arg, 'Renew Lease');
    if (!lease) return;
    if (!lease.renewable) {
      const until = lease.expiresAt ? ` until ${clockTime(lease.expiresAt)}` : ' until they expire';
      throw new UserError(
        `This ${lease.credentialType} lease cannot be renewed: STS credentials from Vault stay valid${until}; lease new credentials when you need more time.`,
        'VaultLeaseNotRenewable',
      );
    }
    const increment = arg?.increment
      ? parseDuration(arg.increment)
      : await askDuration(`Renew Lease: ${lease.role}`, 'Renew by how long?', formatSeconds(lease.leaseDuration || 3600));
    if (!increment) return;
    const client = await this.connections.clientFor(lease);
    const renewed = await client.renewLease(lease.leaseId, increment).catch((error: unknown) => this.dropIfGone(lease, error));
    this.connections.leases.update(lease.leaseId, {
      leaseDuration: renewed.leaseDuration,
      expiresAt: renewed.expiresAt,
      renewable: renewed.renewable,
    });
    const identity = this.connections.identityFor(lease.leaseId);
    if (identity) {
      identity.credentials = { ...identity.credentials, expiration: renewed.expiresAt };
      if (this.connections.activeLeaseId() === lease.leaseId) {
        this.deps.session.set(identity);
      }
    }
    const capped = renewed.leaseDuration < increment ? ' (Vault capped it at the lease’s maximum TTL)' : '';
    void vscode.window.showInformationMessage(
      `Renewed the lease for ${lease.role}: valid for ${formatSeconds(renewed.leaseDuration)} more${capped}.`,
    );
  }

  async revoke(arg?: LeaseArgs): Promise<void> {
    const lease = await this.chosenLease(arg, 'Revoke Lease');
    if (!lease) return;
    if (!(await this.confirmRevoke(lease))) {
      this.deps.log.info(`Kept Vault lease ${lease.leaseId}: revoking it was cancelled.`);
      return;
    }
    const client = await this.connections.clientFor(lease);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Revoking the lease for ${lease.role}…` },
      () => client.revokeLease(lease.leaseId),
    );
    this.connections.forget(lease.leaseId);
    this.deps.log.info(`Revoked Vault lease ${lease.leaseId}.`);
    const message = STS_CREDENTIAL_TYPES.includes(lease.credentialType)
      ? `Revoked the lease for ${lease.role}. AWS keeps STS credentials valid${lease.expiresAt ? ` until ${clockTime(lease.expiresAt)}` : ' until they expire'}; ${terminalsReached(this.deps.settings().terminalCredentials)} no longer get them.`
      : `Revoked the lease for ${lease.role}: Vault deleted its IAM user, so those keys no longer work.`;
    void vscode.window.showInformationMessage(message);
  }

  /** Shows the lease's metadata in a read-only document and returns that document's URI. */
  async lookup(arg?: LeaseArgs): Promise<vscode.Uri | undefined> {
    const lease = await this.chosenLease(arg, 'Look Up Lease');
    if (!lease) return undefined;
    const client = await this.connections.clientFor(lease);
    const info = await client.lookupLease(lease.leaseId).catch((error: unknown) => this.dropIfGone(lease, error));
    return this.documents.show(lease, info, client.server.name);
  }

  /**
   * A terminal with exactly the lease's credentials. A lease restored after a reload has none (they are never
   * saved): it is refused here, before the terminal command could fall back to another identity.
   */
  async openTerminal(arg?: LeaseArgs): Promise<void> {
    const lease = await this.chosenLease(arg, 'Open Terminal with Vault Lease');
    const identity = lease && (await this.credentialsOf(lease));
    if (!identity) return;
    await vscode.commands.executeCommand('iamSwitchboard.openTerminalAsRole', { identity });
  }

  /** Revoking an iam_user lease deletes an IAM user: asked first unless iamSwitchboard.vault.confirmRevoke is off. */
  private async confirmRevoke(lease: Lease): Promise<boolean> {
    if (lease.credentialType !== 'iam_user' || userValue<boolean>('vault.confirmRevoke') === false) {
      return true;
    }
    const choice = await vscode.window.showWarningMessage(
      `Revoke the lease for ${lease.role}?`,
      {
        modal: true,
        detail: `Vault deletes the IAM user of lease ${shortLeaseId(lease.leaseId)} and its keys stop working, also in terminals that already have them.\n\nSetting iamSwitchboard.vault.confirmRevoke turns this question off.`,
      },
      'Revoke',
    );
    return choice === 'Revoke';
  }

  /** Server, role and lease parameters, from the argument or asked for; undefined when the person backs out. */
  private async gatherLeaseRequest(arg?: LeaseCredentialsArgs): Promise<PlannedLease | undefined> {
    const server = await pickServer(this.connections.servers(), arg?.server, 'Lease Credentials');
    if (!server) return undefined;
    const client = await this.connections.client(server);
    const target = arg?.mount && arg.role ? { mount: arg.mount, role: arg.role } : await pickVaultRole(client);
    if (!target) return undefined;
    const { mount, role } = target;
    const title = `Lease Credentials: ${role}`;
    const info = await client.readRole(mount, role);
    const credentialType = arg?.credentialType ?? (await this.pickCredentialType(info, title));
    if (!credentialType) return undefined;
    const isSts = STS_CREDENTIAL_TYPES.includes(credentialType);
    // A caller that fixes the TTL (tests, automation) is not asked anything else it did not pass.
    const interactive = !arg?.ttl;
    const ttl = isSts ? (arg?.ttl ? { seconds: parseDuration(arg.ttl) } : await this.askTtl(role, info, title)) : { seconds: undefined };
    if (!ttl) return undefined;
    const choosesArn = credentialType === 'assumed_role' && !!info && info.roleArns.length > 1;
    const roleArn = arg?.roleArn ?? (choosesArn ? await pickOne(info.roleArns, title, 'Role ARN to assume') : undefined);
    if (choosesArn && !roleArn) return undefined;
    const roleSessionName = credentialType === 'assumed_role' ? await this.sessionName(server, arg, interactive, title) : undefined;
    if (credentialType === 'assumed_role' && !roleSessionName) return undefined;
    const mfaSerial = info && needsMfaCode(info, credentialType) ? info.mfaSerialNumber : undefined;
    const mfaCode = arg?.mfaCode ?? (mfaSerial ? await askMfaCode(mfaSerial) : undefined);
    if (mfaSerial && !mfaCode) return undefined;
    const settings = this.connections.settings;
    return {
      server,
      client,
      mount,
      role,
      request: { credentialType, ttl: ttl.seconds, roleArn, mfaCode, roleSessionName },
      wait: credentialType === 'iam_user' && (arg?.wait ?? settings.vault.waitForIamUserKeys),
    };
  }

  /**
   * The assumed_role session name: the argument's, else asked with a default of who Vault says the token is
   * (or iamSwitchboard.roleSessionName when set), which is also what a non-interactive caller gets.
   */
  private async sessionName(
    server: VaultServer,
    arg: LeaseCredentialsArgs | undefined,
    interactive: boolean,
    title: string,
  ): Promise<string | undefined> {
    if (arg?.roleSessionName) return arg.roleSessionName;
    const configured = this.connections.settings.roleSessionName;
    const info = configured ? undefined : await this.connections.tokenInfo(server).catch(() => undefined);
    const offered = configured ?? (info ? defaultSessionName(info) : `iam-switchboard-${os.userInfo().username}`);
    return interactive ? askSessionName(title, offered, checkSessionName) : offered;
  }

  /**
   * Makes a lease this window holds the active identity again, e.g. an older one after a newer lease replaced it:
   * its credentials are still valid until it ends, so there is no need to lease new ones.
   */
  async use(arg?: LeaseArgs): Promise<string | undefined> {
    const lease = await this.chosenLease(arg, 'Use These Credentials');
    const identity = lease && (await this.credentialsOf(lease));
    if (!lease || !identity) return undefined;
    const expiration = identity.credentials.expiration;
    if (expiration && expiration.getTime() <= Date.now()) {
      throw new UserError(`The credentials of the lease for ${lease.role} have expired: lease new ones.`, 'VaultLeaseExpired');
    }
    this.deps.session.set(identity);
    this.deps.log.info(`Using Vault lease ${lease.leaseId} (${lease.role}) again.`);
    vscode.window.setStatusBarMessage(`Using the Vault credentials for ${lease.role}`, 5000);
    return identity.label;
  }

  /** The lease's credentials, or undefined after offering to lease again when they were not kept (a reload). */
  private async credentialsOf(lease: Lease): Promise<Identity | undefined> {
    const identity = this.connections.identityFor(lease.leaseId);
    if (identity) return identity;
    const again = await vscode.window.showWarningMessage(RESTORED_LEASE_MESSAGE, 'Lease Again');
    if (again) {
      await vscode.commands.executeCommand('iamSwitchboard.leaseCredentials', {
        server: { address: lease.server },
        mount: lease.mount,
        role: lease.role,
      });
    } else {
      this.deps.log.info(`Vault lease ${lease.leaseId} came back from before the reload without its credentials; not leased again.`);
    }
    return undefined;
  }

  /** Leases under one cancellable notification, tracks the lease and makes it the session identity. */
  private async leaseAndApply({ server, client, mount, role, request, wait }: PlannedLease): Promise<{ leaseId: string; label: string }> {
    const settings = this.connections.settings;
    // One notification for the whole flow: VS Code drops toasts that follow each other within a second,
    // so separate progress notifications would swallow the "ready" message below.
    const { leased, identity } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Vault: ${role}`, cancellable: true },
      (progress, token) =>
        whileNotCancelled(token, async (signal) => {
          progress.report({ message: `leasing ${request.credentialType} credentials…` });
          const leased = await client.leaseCredentials(mount, role, { ...request, signal });
          const identity: Identity = {
            label: `vault:${role}`,
            arn: leased.arn,
            accountId: leased.arn?.split(':')[4] || undefined,
            region: settings.region,
            credentials: leased.credentials,
            origin: {
              kind: 'vault',
              server: server.address,
              mount,
              role,
              leaseId: leased.lease.leaseId,
              renewable: leased.lease.renewable,
              credentialType: request.credentialType,
            },
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
    const until = leased.lease.expiresAt ? ` until ${clockTime(leased.lease.expiresAt)}` : '';
    const note = leased.warnings.length ? ` Vault says: ${leased.warnings.join(' ')}` : '';
    void vscode.window.showInformationMessage(
      `Vault credentials for ${role} are ready in ${terminalsReached(this.deps.settings().terminalCredentials)}${until}.${note}`,
    );
    return { leaseId: leased.lease.leaseId, label: identity.label };
  }

  /** When Vault no longer knows a lease, it leaves the tree and the session before the error is shown. */
  private dropIfGone(lease: Lease, error: unknown): never {
    if (error instanceof UserError && (error.code === 'VaultLeaseNotFound' || error.code === 'VaultLeaseExpired')) {
      this.connections.forget(lease.leaseId);
    }
    throw error;
  }

  private async waitForKeys(
    identity: Identity,
    settings: Settings,
    signal: AbortSignal,
  ): Promise<{ arn: string; account: string } | undefined> {
    try {
      return await waitUntilUsable(identity.credentials, { endpoint: settings.stsEndpoint, region: settings.region, signal });
    } catch (error) {
      // The lease stands either way; the person hears why the keys are not confirmed yet.
      showError(this.deps.log, error, 'Wait for new Vault keys');
      return undefined;
    }
  }

  /** The lease a node names (still live in this window), or the one the person picks. */
  private async chosenLease(arg: LeaseArgs | undefined, title: string): Promise<Lease | undefined> {
    const leases = this.connections.leases;
    if (arg?.lease) {
      const lease = leases.get(arg.lease.leaseId);
      if (!lease) {
        throw new UserError(
          'That lease is no longer live in this window (it expired or was revoked); refresh the Vault view.',
          'VaultLeaseGone',
        );
      }
      return lease;
    }
    return pickLease(leases.list(), title, (id) => leases.timeLeft(id));
  }

  private async pickCredentialType(info: VaultRole | undefined, title: string): Promise<string | undefined> {
    const types = info?.credentialTypes.length ? info.credentialTypes : ['iam_user', 'assumed_role', 'federation_token'];
    return types.length === 1 ? types[0] : pickOne(types, title, 'Credential type');
  }

  /**
   * The role's TTL choices (its default_sts_ttl first, up to its max_sts_ttl), with the TTL the person set in
   * settings first when they set one; the placeholder says where the first choice comes from.
   */
  private askTtl(role: string, info: VaultRole | undefined, title: string): Promise<{ seconds: number | undefined } | undefined> {
    const choices: TtlItem[] = ttlChoices(info ?? { defaultStsTtl: 0, maxStsTtl: 0 });
    let why = info?.defaultStsTtl ? `Default of Vault role ${role}` : "Vault's default (the role sets none)";
    if (isExplicitlySet('vault.defaultStsTtl')) {
      const seconds = parseDuration(this.connections.settings.vault.defaultStsTtl) ?? 3600;
      const label = formatDuration(seconds);
      choices.splice(
        0,
        choices.length,
        { label, description: 'from iamSwitchboard.vault.defaultStsTtl', seconds },
        ...choices.filter((c) => c.label !== label),
      );
      why = 'Default from iamSwitchboard.vault.defaultStsTtl';
    }
    return pickTtl(title, `How long should the STS credentials last? ${why}.`, choices);
  }
}
