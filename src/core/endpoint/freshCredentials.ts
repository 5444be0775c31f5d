// Keeps the credentials the endpoint serves fresh: refreshes an identity shortly before it expires, with one
// refresh in flight per identity however many processes ask at once (so an MFA code is asked for once), a
// deadline on each refresh, and a pause after a failure so a cancelled MFA prompt does not come straight back.
import type { AwsCredentials, Identity } from '../session';
import { isCancellation, UserError } from '../userError';
import { staticRereadDue } from '../vault/staticRoles';

/** What the endpoint needs from the edge: who is active, and how to renew an identity. */
export interface IdentityProvider {
  /** The window's active identity; undefined after Clear. */
  activeIdentity(): Identity | undefined;
  /**
   * New credentials for `identity` (re-assume the role, renew the lease). Asks for an MFA code if it must; throws
   * a UserError saying what to do when it cannot. Should also make the result the active identity if `identity`
   * was the active one, and share one call with the edge's own refresh timer.
   */
  refresh(identity: Identity, signal: AbortSignal): Promise<Identity>;
}

export interface FreshnessOptions {
  /**
   * Refresh when credentials expire within this. 15 min is botocore's (and so the AWS CLI's and boto3's) advisory
   * refresh window, the widest of the SDKs' (the JS SDK v3 refetches 5 min before): a long-running process
   * then always gets credentials it will keep for a while instead of fetching again at every call.
   */
  refreshMarginMs?: number;
  /** How long requests wait for one refresh, which may include a person typing an MFA code. */
  refreshTimeoutMs?: number;
  /** After a failed refresh, serve what is still valid (or the failure) this long before trying again. */
  retryAfterFailureMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

const DEFAULT_REFRESH_MARGIN_MS = 15 * 60_000;
const DEFAULT_REFRESH_TIMEOUT_MS = 120_000;
const DEFAULT_RETRY_AFTER_FAILURE_MS = 60_000;
/** Credentials closer than this to their end are not served: the SDKs reject them or fail the call. */
const MIN_USABLE_MS = 10_000;

export class Freshener {
  /** What each identity was refreshed into, so a request holding the old one gets the new one. */
  private readonly successors = new WeakMap<Identity, Identity>();
  private readonly inflight = new WeakMap<Identity, Promise<Identity>>();
  private readonly failures = new WeakMap<Identity, { error: UserError; until: number }>();
  /** When the endpoint first saw each set of credentials: their lifetime bounds the refresh margin. */
  private readonly firstSeen = new WeakMap<AwsCredentials, number>();
  private readonly now: () => number;

  constructor(
    private readonly provider: IdentityProvider,
    private readonly options: FreshnessOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The newest credentials for `identity`, refreshed first when they are near their end. Throws a UserError. */
  async fresh(identity: Identity): Promise<Identity> {
    const current = this.latest(identity);
    if (!this.needsRefresh(current)) {
      return current;
    }
    const failure = this.failures.get(current);
    if (failure && this.now() < failure.until) {
      return this.usableOr(current, failure.error);
    }
    try {
      return await this.refreshOnce(current);
    } catch (error) {
      return this.usableOr(current, error as UserError);
    }
  }

  private latest(identity: Identity): Identity {
    let current = identity;
    for (let next = this.successors.get(current); next; next = this.successors.get(current)) {
      current = next;
    }
    return current;
  }

  /**
   * Near the end: within the margin, which is at most half the credentials' lifetime so that short sessions (a
   * 15-minute role) are not refreshed at every request.
   */
  private needsRefresh(identity: Identity): boolean {
    const { credentials, origin } = identity;
    const now = this.now();
    if (!this.firstSeen.has(credentials)) {
      this.firstSeen.set(credentials, now);
    }
    if (origin.kind === 'vaultStatic') {
      // They do not expire: Vault replaces them at its rotation, so they are read again from then on.
      return staticRereadDue(origin.rotatesAt, this.firstSeen.get(credentials)!, now);
    }
    if (!credentials.expiration) {
      return false;
    }
    const expires = credentials.expiration.getTime();
    const lifetime = expires - this.firstSeen.get(credentials)!;
    const margin = Math.min(this.options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS, lifetime / 2);
    return expires - now <= Math.max(margin, MIN_USABLE_MS);
  }

  private usableOr(identity: Identity, error: UserError): Identity {
    if (identity.origin.kind === 'vaultStatic') {
      // Past their rotation time and not read again: Vault may have replaced them, so they are not served.
      throw error;
    }
    const expiration = identity.credentials.expiration;
    if (!expiration || expiration.getTime() - this.now() > MIN_USABLE_MS) {
      return identity;
    }
    throw error;
  }

  /** One refresh per identity at a time: everyone who asks meanwhile awaits the same promise. */
  private refreshOnce(identity: Identity): Promise<Identity> {
    let pending = this.inflight.get(identity);
    if (!pending) {
      pending = this.runRefresh(identity).finally(() => this.inflight.delete(identity));
      this.inflight.set(identity, pending);
    }
    return pending;
  }

  private async runRefresh(identity: Identity): Promise<Identity> {
    const timeoutMs = this.options.refreshTimeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(timeoutError(identity, timeoutMs));
      }, timeoutMs);
    });
    this.options.log?.(`Credential endpoint: refreshing ${identity.label}`);
    try {
      const next = await Promise.race([this.provider.refresh(identity, controller.signal), deadline]);
      if (!samePrincipal(next, identity)) {
        // Never another identity: whatever the edge answered (a switch that landed meanwhile), it is not served.
        throw new UserError(
          `Refreshing ${identity.label} returned other credentials (${next.label}), which were not served: open a new terminal as the role in IAM Switchboard.`,
          'IdentityChanged',
        );
      }
      if (!isNewer(next, identity)) {
        throw new UserError(
          `The credentials of ${identity.label} cannot be renewed: assume the role or lease new credentials in IAM Switchboard.`,
          'NotRenewable',
        );
      }
      this.firstSeen.set(next.credentials, this.now());
      this.successors.set(identity, next);
      this.options.log?.(`Credential endpoint: refreshed ${identity.label}`);
      return next;
    } catch (error) {
      const failure = refreshError(identity, error);
      this.failures.set(identity, {
        error: failure,
        until: this.now() + (this.options.retryAfterFailureMs ?? DEFAULT_RETRY_AFTER_FAILURE_MS),
      });
      this.options.log?.(`Credential endpoint: refreshing ${identity.label} failed (${failure.code ?? 'error'}): ${failure.message}`);
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Who an identity is, as a refresh must keep it: the account and role (an STS role, an Identity Center permission
 * set), the lease, or the static role. Keys and session names may change; this may not.
 */
export function principalOf(identity: Identity): string {
  const origin = identity.origin;
  switch (origin.kind) {
    case 'sts':
      return `role ${arnPrincipal(origin.roleArn)}`;
    case 'sso':
      return `sso ${origin.accountId} ${origin.roleName}`;
    case 'vault':
      return `vault ${origin.server} ${origin.mount} ${origin.role} ${origin.leaseId}`;
    case 'vaultStatic':
      return `vaultStatic ${origin.server} ${origin.mount} ${origin.role}`;
  }
}

/** Account and role name of a role or assumed-role ARN (the session name left out), else the ARN's account and resource. */
function arnPrincipal(arn: string): string {
  const [, , , , account = '', resource = ''] = arn.split(':');
  const role = /^(?:role\/(?:.*\/)?|assumed-role\/)([^/]+)/.exec(resource);
  return role ? `${account} role ${role[1]}` : `${account} ${resource}`;
}

/** The same principal by origin, and by what STS reported (ARN, account) where both sides know it. */
export function samePrincipal(next: Identity, previous: Identity): boolean {
  const agrees = (a: string | undefined, b: string | undefined) => a === undefined || b === undefined || a === b;
  return (
    principalOf(next) === principalOf(previous) &&
    agrees(next.accountId, previous.accountId) &&
    agrees(next.arn && arnPrincipal(next.arn), previous.arn && arnPrincipal(previous.arn))
  );
}

/** New keys, or the same keys for longer (a renewed Vault lease), or a static role's keys as Vault holds them now. */
function isNewer(next: Identity, previous: Identity): boolean {
  if (next.origin.kind === 'vaultStatic') {
    return true;
  }
  const later = (next.credentials.expiration?.getTime() ?? Infinity) > (previous.credentials.expiration?.getTime() ?? Infinity);
  return next.credentials.accessKeyId !== previous.credentials.accessKeyId || later;
}

function timeoutError(identity: Identity, timeoutMs: number): UserError {
  return new UserError(
    `Refreshing ${identity.label} took more than ${Math.round(timeoutMs / 1000)} s (VS Code may be waiting for an MFA code): answer the prompt or assume the role again in IAM Switchboard.`,
    'RefreshTimeout',
  );
}

/** Core errors are already one sentence with a next step; anything else gets one. Never echoes a raw error. */
function refreshError(identity: Identity, error: unknown): UserError {
  if (isCancellation(error)) {
    return new UserError(
      `Refreshing ${identity.label} needs an MFA code and none was entered: assume the role again in IAM Switchboard.`,
      'MfaCodeNeeded',
    );
  }
  if (error instanceof UserError) {
    return error;
  }
  return new UserError(`Could not refresh ${identity.label}: assume the role again in IAM Switchboard.`, 'RefreshFailed');
}
