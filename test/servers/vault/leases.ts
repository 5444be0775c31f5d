// Secret leases with real lifetimes: issue, renew (capped at max TTL), lookup, revoke, and expiry that
// revokes the secret at its backend (an iam_user lease deletes its IAM user). Leases belong to the token that
// created them and go when it goes.
import { randomToken } from './auth';
import { type Clock, secondsUntil } from './clock';
import { badRequest } from './http';

export interface Lease {
  id: string;
  issueMs: number;
  expireMs: number;
  maxExpireMs: number;
  lastRenewalMs?: number;
  renewable: boolean;
  /** The TTL a renewal without an increment asks for. */
  ttlSeconds: number;
  /** The TTL granted at issue or at the last renewal: the response's lease_duration. */
  grantedSeconds: number;
  tokenId?: string;
  /** Undoes the secret at its backend; a failure leaves the lease for another attempt. */
  revokeSecret(): Promise<void>;
  revoking?: Promise<void>;
  retryAtMs?: number;
  failedAttempts: number;
}

const RETRY_MS = 1000;
// Vault gives up after this many attempts and marks the lease irrevocable; here it is dropped.
const MAX_ATTEMPTS = 6;

export class LeaseStore {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly clock: Clock,
    /** Called after any change so the expiry timer re-arms. */
    private readonly changed: () => void,
  ) {}

  add(init: {
    prefix: string;
    ttlSeconds: number;
    maxTtlSeconds: number;
    renewable: boolean;
    tokenId?: string;
    revokeSecret: () => Promise<void>;
  }): Lease {
    const now = this.clock.now();
    const lease: Lease = {
      id: `${init.prefix}/${randomToken('', 24)}`,
      issueMs: now,
      expireMs: now + Math.min(init.ttlSeconds, init.maxTtlSeconds) * 1000,
      maxExpireMs: now + init.maxTtlSeconds * 1000,
      renewable: init.renewable,
      ttlSeconds: init.ttlSeconds,
      grantedSeconds: Math.min(init.ttlSeconds, init.maxTtlSeconds),
      tokenId: init.tokenId,
      revokeSecret: init.revokeSecret,
      failedAttempts: 0,
    };
    this.leases.set(lease.id, lease);
    this.changed();
    return lease;
  }

  lookup(id: string): Lease | undefined {
    return this.leases.get(id);
  }

  /** Vault's RenewLease: exact error texts from expiration.go. Returns warnings when the max TTL capped it. */
  renew(id: string, incrementSeconds: number | undefined): { lease: Lease; warnings: string[] } {
    const lease = this.leases.get(id);
    if (!lease) throw badRequest('lease not found');
    const now = this.clock.now();
    if (lease.expireMs <= now) throw badRequest('lease expired');
    if (!lease.renewable) throw badRequest('lease is not renewable');
    const wanted = incrementSeconds || lease.ttlSeconds;
    lease.expireMs = Math.min(now + wanted * 1000, lease.maxExpireMs);
    lease.grantedSeconds = Math.min(wanted, secondsUntil(lease.maxExpireMs, now));
    lease.lastRenewalMs = now;
    this.changed();
    const warnings =
      lease.expireMs < now + wanted * 1000
        ? [
            `TTL of "${wanted}s" exceeded the effective max_ttl of "${secondsUntil(lease.maxExpireMs, now)}s"; TTL value is capped accordingly`,
          ]
        : [];
    return { lease, warnings };
  }

  /** Revokes now; unknown ids are fine ("no entry, nothing to revoke"). Throws when the backend fails. */
  async revoke(id: string): Promise<void> {
    const lease = this.leases.get(id);
    if (!lease) return;
    await this.runRevocation(lease);
  }

  /** Revokes every lease a token created (its lease tree), retrying failures through the sweep. */
  async revokeByToken(tokenId: string): Promise<void> {
    const owned = [...this.leases.values()].filter((l) => l.tokenId === tokenId);
    await Promise.all(
      owned.map((lease) =>
        this.runRevocation(lease).catch(() => {
          lease.expireMs = Math.min(lease.expireMs, this.clock.now());
        }),
      ),
    );
  }

  /** Starts revoking every expired lease; resolves when those attempts finish. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    const due = [...this.leases.values()].filter((l) => l.expireMs <= now && !l.revoking && (l.retryAtMs ?? 0) <= now);
    await Promise.all(due.map((lease) => this.runRevocation(lease).catch(() => undefined)));
  }

  nextDeadline(): number | undefined {
    const deadlines = [...this.leases.values()].filter((l) => !l.revoking).map((l) => Math.max(l.expireMs, l.retryAtMs ?? 0));
    return deadlines.length ? Math.min(...deadlines) : undefined;
  }

  ids(): string[] {
    return [...this.leases.keys()];
  }

  /** Expired and failing revocations wait for a retry; several callers share one attempt. */
  private runRevocation(lease: Lease): Promise<void> {
    lease.revoking ??= lease
      .revokeSecret()
      .then(() => {
        this.leases.delete(lease.id);
      })
      .catch((err: unknown) => {
        lease.failedAttempts += 1;
        lease.retryAtMs = this.clock.now() + RETRY_MS;
        if (lease.failedAttempts >= MAX_ATTEMPTS) this.leases.delete(lease.id);
        throw err;
      })
      .finally(() => {
        lease.revoking = undefined;
        this.changed();
      });
    return lease.revoking;
  }
}
