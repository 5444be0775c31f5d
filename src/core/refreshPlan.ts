// When to refresh a session and when it ends: a pure rule, so the edge only runs the timers it returns.

/** Refresh this long before expiry, so terminals never hold dead credentials. */
export const REFRESH_BEFORE_MS = 5 * 60 * 1000;
/** setTimeout fires at once for delays past 2^31-1 ms (24.8 days): longer waits are capped and re-planned. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

interface RefreshPlan {
  /** Milliseconds from now until the refresh attempt. */
  refreshInMs: number;
  /** Milliseconds from now until the credentials expire. */
  expireInMs: number;
}

/**
 * Refresh five minutes before expiry, or halfway through a session shorter than ten minutes (so a short
 * session is not refreshed the moment it starts). Undefined for credentials that never expire.
 */
export function refreshPlan(expiration: Date | undefined, now = Date.now()): RefreshPlan | undefined {
  if (!expiration) {
    return undefined;
  }
  const left = expiration.getTime() - now;
  if (!Number.isFinite(left)) {
    return undefined;
  }
  const refreshAt = Math.max(left - REFRESH_BEFORE_MS, left / 2);
  return { refreshInMs: clampDelay(refreshAt), expireInMs: clampDelay(left) };
}

/** How a due refresh happens: silently when allowed and no MFA code is needed, otherwise by asking first. */
export function refreshMode(autoRefresh: boolean, needsMfaCode: boolean): 'silent' | 'ask' {
  return autoRefresh && !needsMfaCode ? 'silent' : 'ask';
}

/** A delay setTimeout honours: never negative, never past its 32-bit limit. */
export function clampDelay(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}
