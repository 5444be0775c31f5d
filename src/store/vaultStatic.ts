// Static roles' keys in this window: read from `<mount>/static-creds/<name>` when the person uses them, kept in
// memory only, and read again when Vault rotates them while they are the active identity. Vault rotates on its
// one-minute tick, up to a minute after the rotation time, and the keys replaced then die at the rotation after:
// the keys are read again until they change (bounded), and if Vault is later than that the person is told.
import * as vscode from 'vscode';
import { terminalsReached } from '../core/endpoint/terminalReach';
import type { Identity, Session } from '../core/session';
import type { VaultServer } from '../core/vault/client';
import {
  firstRotationCheckIn,
  overdueRotationMessage,
  readStaticCredentials,
  readStaticRole,
  rotationStep,
} from '../core/vault/staticRoles';
import type { VaultConnections } from './vaultConnections';

type StaticOrigin = Extract<Identity['origin'], { kind: 'vaultStatic' }>;

const MAX_TIMER_MS = 2 ** 31 - 1;

export class VaultStaticCredentials implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  /** Each role's rotation_period in seconds, when the token may read it. */
  private readonly periods = new Map<string, number | undefined>();
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
    // The period bounds how long a rotation can hide behind a stale `expiration`; a token may not read it.
    const settings = await readStaticRole(client, mount, role).catch(() => undefined);
    this.periods.set(`${read.origin.server}|${read.origin.mount}|${role}`, settings?.rotationPeriodSeconds || undefined);
    const identity: Identity = {
      label: `vault-static:${role}`,
      region: this.connections.settings.region,
      credentials: read.credentials,
      origin: read.origin,
    };
    this.connections.rememberStatic(identity);
    return identity;
  }

  /** The role's keys as Vault holds them now, for an identity read earlier (the endpoint, at its rotation time). */
  async reread(origin: StaticOrigin, signal?: AbortSignal): Promise<Identity> {
    const server = this.connections.servers().find((s) => s.address === origin.server);
    if (!server) throw new Error('its Vault server is no longer configured');
    return this.read(server, origin.mount, origin.role, signal);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
  }

  /** One timer, for the active identity only: keys no terminal gets need no refresh. */
  private schedule(inMs?: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const active = this.session.identity;
    const origin = active?.origin;
    if (!active || origin?.kind !== 'vaultStatic' || !origin.rotatesAt) return;
    const delay = inMs ?? firstRotationCheckIn(origin.rotatesAt, this.periods.get(`${origin.server}|${origin.mount}|${origin.role}`));
    this.timer = setTimeout(() => void this.refresh(active, origin), Math.min(delay, MAX_TIMER_MS));
    this.timer.unref?.();
  }

  private async refresh(active: Identity, origin: StaticOrigin): Promise<void> {
    if (this.session.identity !== active || !origin.rotatesAt) return;
    try {
      const fresh = await this.reread(origin);
      if (this.session.identity !== active) return;
      const step = rotationStep(
        { accessKeyId: active.credentials.accessKeyId, dueAt: origin.rotatesAt },
        { accessKeyId: fresh.credentials.accessKeyId, rotatesAt: (fresh.origin as StaticOrigin).rotatesAt },
      );
      switch (step.kind) {
        case 'wait':
          this.schedule(step.inMs);
          return;
        case 'notYet':
          this.schedule();
          return;
        case 'overdue': {
          // The keys stay (they still work), but not silently: they die one rotation after Vault replaces them.
          const message = overdueRotationMessage(origin.role, origin.rotatesAt);
          this.log.warn(message);
          void vscode.window.showWarningMessage(message);
          return;
        }
        default:
          this.log.info(
            `Vault static role ${origin.role}: ${step.kind === 'rotated' ? 'keys rotated; terminals get the new keys' : 'next rotation moved'}.`,
          );
          this.session.set(fresh);
      }
    } catch (error) {
      // The old key is deleted at AWS one rotation later: better no identity than one that will die unseen.
      if (this.session.identity !== active) return;
      this.session.clear();
      const message = `Vault rotated the static keys of ${origin.role} and they could not be read again, so they were removed from ${terminalsReached(this.connections.settings.terminalCredentials)}; use the static role again: ${(error as Error).message}`;
      this.log.warn(message);
      void vscode.window.showWarningMessage(message);
    }
  }
}
