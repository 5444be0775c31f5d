// Static roles' keys in this window: read from `<mount>/static-creds/<name>` when the person uses them, kept in
// memory only, and read again when Vault rotates them while they are the active identity, because Vault
// deletes the old key at AWS then and terminals must not keep a dead one.
import * as vscode from 'vscode';
import type { Identity, Session } from '../core/session';
import type { VaultServer } from '../core/vault/client';
import { readStaticCredentials } from '../core/vault/staticRoles';
import type { VaultConnections } from './vaultConnections';

type StaticOrigin = Extract<Identity['origin'], { kind: 'vaultStatic' }>;

/** After the rotation time, Vault may need a moment (its clock, the AWS call): look again a few times. */
const ROTATION_GRACE_MS = 2000;
const RETRY_MS = 5000;
const MAX_RETRIES = 6;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class VaultStaticCredentials implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly connections: VaultConnections,
    private readonly session: Session,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = session.onDidChange(() => this.schedule());
  }

  /** Reads the role's current keys from Vault as an identity (not yet active). */
  async read(server: VaultServer, mount: string, role: string, signal?: AbortSignal): Promise<Identity> {
    const client = await this.connections.client(server);
    const read = await readStaticCredentials(client, mount, role, signal);
    const identity: Identity = {
      label: `vault-static:${role}`,
      region: this.connections.settings.region,
      credentials: read.credentials,
      origin: read.origin,
    };
    this.connections.rememberStatic(identity);
    return identity;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
  }

  /** One timer, for the active identity only: keys no terminal gets need no refresh. */
  private schedule(attempt = 0): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const origin = this.session.identity?.origin;
    if (origin?.kind !== 'vaultStatic' || !origin.rotatesAt) return;
    const delay = attempt ? RETRY_MS : Math.max(0, origin.rotatesAt.getTime() - Date.now()) + ROTATION_GRACE_MS;
    this.timer = setTimeout(() => void this.refresh(origin, attempt), Math.min(delay, MAX_TIMER_MS));
    this.timer.unref?.();
  }

  private async refresh(origin: StaticOrigin, attempt: number): Promise<void> {
    const active = this.session.identity;
    if (active?.origin !== origin) return;
    const server = this.connections.servers().find((s) => s.address === origin.server);
    try {
      if (!server) throw new Error('its Vault server is no longer configured');
      const fresh = await this.read(server, origin.mount, origin.role);
      if (this.session.identity !== active) return;
      const rotated = fresh.credentials.accessKeyId !== active.credentials.accessKeyId;
      if (!rotated && attempt < MAX_RETRIES) {
        this.schedule(attempt + 1);
        return;
      }
      const next = (fresh.origin as StaticOrigin).rotatesAt;
      if (!rotated && !(next && next.getTime() > Date.now())) {
        // Vault kept the keys past its own rotation time: nothing to swap, and no timer that fires in a loop.
        this.log.warn(`Vault static role ${origin.role}: the keys did not rotate at ${origin.rotatesAt?.toISOString()}; they stay in use.`);
        return;
      }
      this.log.info(
        `Vault static role ${origin.role}: ${rotated ? 'keys rotated; new terminals get the new keys' : 'next rotation moved'}.`,
      );
      this.session.set(fresh);
    } catch (error) {
      // The old key is deleted at AWS after a rotation: better no identity than a dead one.
      if (this.session.identity !== active) return;
      this.session.clear();
      const message = `Vault rotated the static keys of ${origin.role} and they could not be read again, so they were removed from new terminals; use the static role again: ${(error as Error).message}`;
      this.log.warn(message);
      void vscode.window.showWarningMessage(message);
    }
  }
}
