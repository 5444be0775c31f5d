// The portal's request quota: about 20 requests a second across the access portal's ListAccounts,
// ListAccountRoles and GetRoleCredentials together, the excess answered with TooManyRequestsException (HTTP 429,
// in botocore's sso model). A token bucket: `perSecond` tokens a second, at most `burst` kept, one per request.
// It also remembers when each accepted request arrived, so a test can check the most in any one second.
import { performance } from 'node:perf_hooks';

export interface PortalQuota {
  perSecond: number;
  /** Tokens kept at most (the largest burst); default perSecond, one second's worth. */
  burst?: number;
  /** Sent as Retry-After (seconds) on a 429 when set; AWS's portal does not promise one. */
  retryAfterSeconds?: number;
}

export class QuotaBucket {
  private tokens: number;
  private last = performance.now();
  readonly accepted: number[] = [];

  constructor(readonly quota: PortalQuota) {
    this.tokens = this.burst;
  }

  private get burst(): number {
    return this.quota.burst ?? this.quota.perSecond;
  }

  /** Takes a token for a request arriving now; false when the quota is spent (the request is throttled). */
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.quota.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    this.accepted.push(now);
    return true;
  }

  /** The most requests accepted within any `windowMs` (a sliding window over the arrival times). */
  maxInWindow(windowMs = 1000): number {
    let most = 0;
    let start = 0;
    for (let end = 0; end < this.accepted.length; end++) {
      while (this.accepted[end] - this.accepted[start] >= windowMs) start++;
      most = Math.max(most, end - start + 1);
    }
    return most;
  }
}
