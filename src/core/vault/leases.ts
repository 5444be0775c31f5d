import { Emitter } from '../emitter';
import { clampDelay } from '../refreshPlan';
// The leases this window created: what the Vault tree lists, what revoke-on-exit revokes, and the one place that
// notices a lease running out. Holds lease metadata only, never credentials, so it can be persisted as is.

export interface Lease {
  leaseId: string;
  /** Address of the Vault server that issued it. */
  server: string;
  mount: string;
  role: string;
  credentialType: string;
  renewable: boolean;
  /** Seconds Vault granted with the last issue or renewal. */
  leaseDuration: number;
  /** When the credentials stop working; undefined when Vault gave no duration. */
  expiresAt?: Date;
}

/** A lease as saved across reloads: ids and times only, never credentials. */
export type SavedLease = Omit<Lease, 'expiresAt'> & { expiresAt?: string };

export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

// setTimeout overflows above 2^31-1 ms (~24.8 days) and iam_user leases default to 32 days: re-arm instead.

export class LeaseTracker {
  private readonly leases = new Map<string, { lease: Lease; timer?: unknown }>();
  private readonly changed = new Emitter<void>();
  private readonly expired = new Emitter<Lease>();
  readonly onDidChange = this.changed.event;
  /** A lease reached its end (it is already out of the tracker). */
  readonly onDidExpire = this.expired.event;

  constructor(private readonly timers: Timers = realTimers) {}

  /** Leases in the order they were added, optionally for one server. */
  list(server?: string): Lease[] {
    return [...this.leases.values()].map((e) => e.lease).filter((l) => server === undefined || l.server === server);
  }

  get(leaseId: string): Lease | undefined {
    return this.leases.get(leaseId)?.lease;
  }

  /** Milliseconds left, or undefined when the lease has no known expiry. */
  timeLeft(leaseId: string): number | undefined {
    const expiresAt = this.get(leaseId)?.expiresAt;
    return expiresAt ? expiresAt.getTime() - this.timers.now() : undefined;
  }

  /** Adds or replaces a lease. An already-expired lease is not kept. */
  add(given: Lease): void {
    if (!given.leaseId) {
      return; // Vault 1.13.0/1.13.1 STS credentials came without a lease: nothing to track, renew or revoke.
    }
    // An Invalid Date would arm a NaN timer, which fires at once: an unknown expiry is no expiry.
    const valid = given.expiresAt && !Number.isNaN(given.expiresAt.getTime());
    const lease = {
      ...given,
      expiresAt: valid ? given.expiresAt : undefined,
      leaseDuration: Number.isFinite(given.leaseDuration) ? given.leaseDuration : 0,
    };
    this.clearTimer(lease.leaseId);
    if (lease.expiresAt && lease.expiresAt.getTime() <= this.timers.now()) {
      this.leases.delete(lease.leaseId);
      this.fireChange();
      return;
    }
    this.leases.set(lease.leaseId, { lease: { ...lease } });
    this.arm(lease.leaseId);
    this.fireChange();
  }

  /** Records a renewal: new duration and expiry. */
  update(leaseId: string, changes: Pick<Lease, 'leaseDuration' | 'expiresAt'> & Partial<Pick<Lease, 'renewable'>>): void {
    const entry = this.leases.get(leaseId);
    if (entry) {
      this.add({ ...entry.lease, ...changes });
    }
  }

  remove(leaseId: string): void {
    if (!this.leases.has(leaseId)) {
      return;
    }
    this.clearTimer(leaseId);
    this.leases.delete(leaseId);
    this.fireChange();
  }

  /** Lease metadata as plain JSON (no secrets in it), for workspace state. */
  toJSON(): SavedLease[] {
    return this.list().map((l) => ({ ...l, expiresAt: l.expiresAt?.toISOString() }));
  }

  /** Restores what `toJSON` saved; expired entries are dropped. */
  restore(saved: unknown): void {
    if (!Array.isArray(saved)) {
      return;
    }
    for (const item of saved as Array<Record<string, unknown>>) {
      if (typeof item?.leaseId !== 'string' || typeof item.server !== 'string') {
        continue;
      }
      this.add({
        leaseId: item.leaseId,
        server: item.server,
        mount: String(item.mount ?? ''),
        role: String(item.role ?? ''),
        credentialType: String(item.credentialType ?? ''),
        renewable: item.renewable === true,
        leaseDuration: Number(item.leaseDuration ?? 0),
        expiresAt: typeof item.expiresAt === 'string' ? new Date(item.expiresAt) : undefined,
      });
    }
  }

  dispose(): void {
    for (const id of this.leases.keys()) {
      this.clearTimer(id);
    }
    this.changed.dispose();
    this.expired.dispose();
  }

  private arm(leaseId: string): void {
    const entry = this.leases.get(leaseId);
    if (!entry?.lease.expiresAt) {
      return;
    }
    const delay = clampDelay(entry.lease.expiresAt.getTime() - this.timers.now());
    entry.timer = this.timers.setTimeout(() => this.check(leaseId), Math.max(0, delay));
  }

  private check(leaseId: string): void {
    const entry = this.leases.get(leaseId);
    if (!entry) {
      return;
    }
    entry.timer = undefined;
    if (entry.lease.expiresAt && entry.lease.expiresAt.getTime() > this.timers.now()) {
      this.arm(leaseId);
      return;
    }
    this.leases.delete(leaseId);
    this.fireChange();
    this.expired.fire(entry.lease);
  }

  private clearTimer(leaseId: string): void {
    const entry = this.leases.get(leaseId);
    if (entry?.timer !== undefined) {
      this.timers.clearTimeout(entry.timer);
      entry.timer = undefined;
    }
  }

  private fireChange(): void {
    this.changed.fire();
  }
}
