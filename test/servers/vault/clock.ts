// Time for the local Vault: a clock tests can move forward, Vault's duration syntax, and the one timer that
// fires when the next token or lease is due to expire.

export class Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves time forward for everything the Vault decides (lease and token expiry), not for the AWS server. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a Vault duration (`"15m"`, `"1h30m"`, `"3600s"`, `"3600"` or a number) to whole seconds, the way
 * Vault's `parseutil.ParseDurationSecond` does. Returns undefined for a missing or empty value.
 */
export function parseDurationSeconds(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value !== 'string') throw new Error(`invalid duration: ${JSON.stringify(value)}`);
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`time: invalid duration "${text}"`);
  return Math.trunc(parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * UNIT_SECONDS[unit], 0));
}

/** RFC 3339 as Vault prints it (Go's time.Time JSON). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Seconds left until `deadlineMs`, truncated like Go's `int64(d.Seconds())`, never negative. */
export function secondsUntil(deadlineMs: number, nowMs: number): number {
  return Math.max(0, Math.trunc((deadlineMs - nowMs) / 1000));
}

// setTimeout overflows above 2^31-1 ms (~24.8 days); longer deadlines are reached by re-arming.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Keeps one unref'd timer armed for the earliest deadline, runs `sweep` when it fires, and re-arms.
 * The server also sweeps on every request, so a moved clock takes effect at once.
 */
export class ExpiryTimer {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly nextDeadline: () => number | undefined,
    private readonly sweep: () => Promise<void>,
  ) {}

  rearm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = this.nextDeadline();
    if (this.stopped || deadline === undefined) return;
    const delay = Math.min(Math.max(deadline - this.clock.now(), 0) + 5, MAX_TIMER_MS);
    this.timer = setTimeout(() => void this.sweep().finally(() => this.rearm()), delay);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
