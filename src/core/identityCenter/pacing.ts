// Paces the portal calls of one discovery to the portal's request quota (about 20 a second across ListAccounts,
// ListAccountRoles and GetRoleCredentials): one shared schedule that hands out a slot every 1/rate seconds, no
// burst, so a big organisation is listed at the quota's pace instead of in bursts the portal answers with 429.
// A 429 pauses every caller (for Retry-After when the service sends it, else the caller's backoff) and slows the
// pace by a quarter, in case this instance's quota is lower than 20 a second.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { cancelled } from '../userError';

/** The access portal's quota for its account, role and credential calls, as tools listing big organisations meet it (issue 23). */
export const PORTAL_REQUESTS_PER_SECOND = 20;
/** The slowest pace a run of 429s brings it down to. */
const SLOWEST_INTERVAL_MS = 2_000;

export class RequestPacer {
  private nextAt = 0;
  private pausedUntil = 0;
  private intervalMs: number;
  private readonly paceMs: number;

  constructor(
    requestsPerSecond = PORTAL_REQUESTS_PER_SECOND,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.paceMs = 1000 / requestsPerSecond;
    this.intervalMs = this.paceMs;
  }

  /** Resolves when the caller may send its request; rejects with Cancelled when `signal` fires first. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.now();
      const at = Math.max(now, this.nextAt, this.pausedUntil);
      this.nextAt = at + this.intervalMs;
      if (at > now) await sleep(at - now, signal);
      // A 429 that arrived while this caller waited pauses it too: it takes a new slot after the pause.
      if (this.now() >= this.pausedUntil) return;
    }
  }

  /**
   * The service throttled a request: nobody sends for `waitMs`, and the pace slows by a quarter, once per pause
   * (the other answers of that moment were sent before it and say nothing new).
   */
  throttled(waitMs: number): void {
    const now = this.now();
    if (now >= this.pausedUntil) this.intervalMs = Math.min(SLOWEST_INTERVAL_MS, this.intervalMs * (4 / 3));
    this.pausedUntil = Math.max(this.pausedUntil, now + waitMs);
  }

  /** A call went through: the pace creeps back towards the quota (about 20 calls undo one slow-down). */
  succeeded(): void {
    this.intervalMs = Math.max(this.paceMs, this.intervalMs * 0.985);
  }

  /** Requests a second at the current pace. */
  get rate(): number {
    return 1000 / this.intervalMs;
  }
}

async function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw cancelled();
  }
}

/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): half the step
 * for sure, the other half at random. The sure half (or the service's Retry-After) is what every call waits after
 * a 429; the random half is the throttled call's own, so retries spread out instead of landing together.
 */
export function backoff(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): { sharedMs: number; ownMs: number } {
  const step = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return { sharedMs: step / 2, ownMs: random() * (step / 2) };
}
