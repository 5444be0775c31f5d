// The lifecycle of this window's Vault leases beyond the window itself: their ids saved in workspace state when
// they outlive it (revoke-on-exit off), and revoked within a bounded time when the window closes (on).
import type * as vscode from 'vscode';
import { workspaceStateOf } from '../configuration/state';
import type { Lease } from '../core/vault/leases';
import type { VaultConnections } from './vaultConnections';

/** Closing the window waits this long at most for Vault to revoke. */
const EXIT_REVOKE_BUDGET_MS = 5000;

export class VaultLeaseStore {
  private readonly state: ReturnType<typeof workspaceStateOf>;

  constructor(
    context: vscode.ExtensionContext,
    private readonly connections: VaultConnections,
    private readonly log: Pick<vscode.LogOutputChannel, 'warn'>,
  ) {
    this.state = workspaceStateOf(context);
  }

  /** Puts the leases an earlier window saved back into the list, by id only (their credentials are gone). */
  restore(): void {
    this.connections.leases.restore(this.state.get('iamSwitchboard.vault.leases'));
  }

  /**
   * Saves lease ids (never credentials) when they may outlive the window: revoke-on-exit is off, or some came
   * from an earlier window (which exit revoke leaves alone). Otherwise clears what an earlier window saved.
   */
  save(): Thenable<void> {
    const keep = !this.connections.settings.vault.revokeLeasesOnExit || this.connections.hasRestoredLeases();
    return this.state.update('iamSwitchboard.vault.leases', keep ? this.connections.leases.toJSON() : undefined);
  }

  /** For `deactivate()`: revokes every lease this window created (when the setting says so), or saves them. */
  async revokeLeasesOnExit(budgetMs = EXIT_REVOKE_BUDGET_MS): Promise<void> {
    if (!this.connections.settings.vault.revokeLeasesOnExit) {
      await this.save();
      return;
    }
    await this.revokeAllCreatedHere(budgetMs);
  }

  /** Revokes this window's leases in parallel, giving up after `budgetMs` so closing the window never hangs. */
  private async revokeAllCreatedHere(budgetMs: number): Promise<void> {
    const leases = this.connections.leases.list().filter((l) => this.connections.createdHere.has(l.leaseId));
    // Requests still open when the budget runs out are aborted, not left running while the window closes.
    const signal = AbortSignal.timeout(budgetMs);
    const revokeOne = async (lease: Lease) => {
      await (await this.connections.clientFor(lease)).revokeLease(lease.leaseId, signal);
      this.connections.forget(lease.leaseId);
    };
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), budgetMs)));
    const results = Promise.allSettled(leases.map(revokeOne));
    const outcome = await Promise.race([results, budget]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.log.warn(
        `Revoking ${leases.length} Vault lease(s) on exit took longer than ${budgetMs / 1000} s; some may stay until they expire.`,
      );
    } else {
      outcome
        .filter((r) => r.status === 'rejected')
        .forEach((r) => this.log.warn(`Could not revoke a Vault lease on exit: ${(r as PromiseRejectedResult).reason}`));
    }
  }
}
