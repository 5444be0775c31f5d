// What a person chooses when leasing STS credentials from a Vault role: the TTL (from the role's own
// default_sts_ttl / max_sts_ttl), the session name for assumed_role, an MFA code for session_token roles
// with mfa_serial_number, and the role's policy to read before choosing. Pure functions, no I/O.
import type { TokenInfo, VaultRole } from './client';

interface TtlChoice {
  /** Seconds to send as `ttl`; undefined leaves it to Vault (the role's default). */
  seconds: number | undefined;
  label: string;
  description?: string;
}

// Vault's STS TTL when the role sets none (path_user.go), and the common steps offered up to the cap.
const VAULT_DEFAULT_STS_TTL = 3600;
const STEPS = [900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600];

/**
 * The role's default first, then common steps up to its max_sts_ttl (Vault silently caps a longer ask), then the
 * max itself. STS refuses less than 15 minutes, so nothing shorter is offered.
 */
export function ttlChoices(role: Pick<VaultRole, 'defaultStsTtl' | 'maxStsTtl'>): TtlChoice[] {
  const fallback = role.defaultStsTtl || VAULT_DEFAULT_STS_TTL;
  const max = role.maxStsTtl || Math.max(fallback, 12 * 3600);
  const byDefault = Math.min(fallback, max);
  const choices: TtlChoice[] = [
    { seconds: undefined, label: formatDuration(byDefault), description: role.defaultStsTtl ? "the role's default" : "Vault's default" },
  ];
  const seen = new Set([byDefault]);
  for (const seconds of [...STEPS.filter((s) => s <= max), max]) {
    if (!seen.has(seconds) && seconds >= 900) {
      seen.add(seconds);
      choices.push({ seconds, label: formatDuration(seconds), description: seconds === role.maxStsTtl ? "the role's maximum" : undefined });
    }
  }
  return [choices[0], ...choices.slice(1).sort((a, b) => (a.seconds ?? 0) - (b.seconds ?? 0))];
}

/** "15m", "1h", "1h30m". */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''].join('');
}

/**
 * The default role_session_name for assumed_role: who Vault says the token is (`display_name`, e.g.
 * `oidc-alice@example.com`), in the characters and length AWS allows ([\w+=,.@-], 2 to 64).
 */
export function defaultSessionName(info: Pick<TokenInfo, 'displayName'>): string {
  const cleaned = info.displayName
    .replace(/[^\w+=,.@-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return cleaned.length >= 2 ? cleaned : 'vault-session';
}

/** A session name AWS accepts, or the sentence saying why not (for an input box's validation). */
export function checkSessionName(name: string): string | undefined {
  if (name.length < 2 || name.length > 64) {
    return 'A session name has 2 to 64 characters.';
  }
  return /^[\w+=,.@-]+$/.test(name) ? undefined : 'A session name may use letters, digits and + = , . @ _ - only.';
}

/** session_token roles with an MFA device need a code from it with each lease. */
export function needsMfaCode(role: Pick<VaultRole, 'credentialTypes' | 'mfaSerialNumber'>, credentialType: string): boolean {
  return credentialType === 'session_token' && role.credentialTypes.includes('session_token') && !!role.mfaSerialNumber;
}

/** The role's policy as tooltip lines: managed policy ARNs, then the inline document pretty-printed. */
export function rolePolicyLines(role: Pick<VaultRole, 'policyArns' | 'policyDocument' | 'roleArns'>): string[] {
  const lines: string[] = [];
  for (const arn of role.roleArns) lines.push(`Role ARN: ${arn}`);
  for (const arn of role.policyArns) lines.push(`Policy: ${arn}`);
  if (role.policyDocument) {
    let pretty = role.policyDocument;
    try {
      pretty = JSON.stringify(JSON.parse(role.policyDocument), null, 2);
    } catch {
      // Shown as Vault stored it.
    }
    lines.push('Inline policy:', ...pretty.split('\n'));
  }
  return lines;
}
