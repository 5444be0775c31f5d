// Vault-style durations ("15m", "1h30m", "900s", "900") for TTL prompts and settings, and the one style the
// Vault UI shows durations in ("59m", "1h 5m").

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in a duration such as `15m`, `1h30m`, `1h 30m`, `90s` or a bare number of seconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  // Spaces between the parts are allowed: formatSeconds shows "1h 5m", and the prompts offer what it shows.
  if (!/^\d+[smhd](\s*\d+[smhd])*$/.test(trimmed)) {
    return undefined;
  }
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit];
  }
  return seconds;
}

/**
 * The one style durations are shown in, two units at most: 45 → "45s", 3542 → "59m", 3900 → "1h 5m",
 * 7200 → "2h", 93600 → "1d 2h". Smaller remainders are dropped; parseDuration reads every result back.
 */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return twoUnits(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'm');
  return twoUnits(Math.floor(s / 86400), 'd', Math.floor((s % 86400) / 3600), 'h');
}

function twoUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor ? `${major}${majorUnit} ${minor}${minorUnit}` : `${major}${majorUnit}`;
}
