// The one place that knows the range of every numeric setting. VS Code's schema only warns in the settings
// editor; a hand-edited settings.json can hold anything, so the edge passes what it read through here.

interface NumericRange {
  min: number;
  max: number;
  default: number;
  /** Whole numbers only (rounded). */
  integer: boolean;
}

/** Keys as in package.json without the `iamSwitchboard.` prefix; the package.json schema states the same ranges. */
export const NUMERIC_SETTING_RANGES = {
  sessionDurationSeconds: { min: 900, max: 43200, default: 3600, integer: true },
  requestTimeoutSeconds: { min: 1, max: 600, default: 15, integer: false },
} satisfies Record<string, NumericRange>;

type NumericSettingName = keyof typeof NUMERIC_SETTING_RANGES;

interface CheckedNumericSettings {
  sessionDurationSeconds: number;
  /** requestTimeoutSeconds as whole milliseconds: timers refuse fractions (16.1 s is 16100 ms). */
  requestTimeoutMs: number;
  /** One sentence per value that was replaced, for the log or a warning; empty when all were fine. */
  problems: string[];
}

/** A value within its range: non-numbers become the default, others are rounded and clamped. */
export function checkNumericSetting(name: NumericSettingName, value: unknown): { value: number; problem?: string } {
  const range: NumericRange = NUMERIC_SETTING_RANGES[name];
  if (value === undefined) {
    return { value: range.default };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { value: range.default, problem: `iamSwitchboard.${name} is not a number; ${range.default} is used.` };
  }
  const rounded = range.integer ? Math.round(value) : value;
  const clamped = Math.min(range.max, Math.max(range.min, rounded));
  if (clamped !== rounded) {
    return { value: clamped, problem: `iamSwitchboard.${name} must be from ${range.min} to ${range.max}; ${clamped} is used.` };
  }
  return { value: clamped };
}

/** Every numeric setting checked at once, as the edge's settings module reads them. */
export function checkNumericSettings(raw: Partial<Record<NumericSettingName, unknown>>): CheckedNumericSettings {
  const duration = checkNumericSetting('sessionDurationSeconds', raw.sessionDurationSeconds);
  const timeout = checkNumericSetting('requestTimeoutSeconds', raw.requestTimeoutSeconds);
  return {
    sessionDurationSeconds: duration.value,
    requestTimeoutMs: Math.round(timeout.value * 1000),
    problems: [duration.problem, timeout.problem].filter((p): p is string => p !== undefined),
  };
}
