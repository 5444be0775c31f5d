// Vault-style durations ("15m", "1h30m", "900s", "900") for TTL prompts and settings.

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in a duration such as `15m`, `1h30m`, `90s` or a bare number of seconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  if (!/^(\d+[smhd])+$/.test(trimmed)) {
    return undefined;
  }
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit];
  }
  return seconds;
}

/** 5400 → "1h30m", 900 → "15m", 61 → "61s": what the duration prompts accept back. */
export function formatSeconds(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 3600 && seconds % 60 === 0) return `${Math.floor(seconds / 3600)}h${(seconds % 3600) / 60}m`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
