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
