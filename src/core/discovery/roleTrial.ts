// "Try" for discovered roles: one short AssumeRole per role through the normal STS path, to mark which work and
// why the others do not. An MFA code is asked at most once: its session (the StsCache's) serves every retry.
import { parseRoleArn } from '../aws/arn';
import type { AwsConfig } from '../aws/config';
import type { RoleEntry } from '../catalog/roleCatalog';
import { type AssumeOptions, assumeRole } from '../sts/assumeRole';
import { cancelled, isCancellation, UserError } from '../userError';

/** The shortest session AWS allows: a try should leave as little behind as possible. */
const TRY_SECONDS = 900;

type TrialStatus =
  /** AssumeRole succeeded (the credentials were dropped at once), with MFA when `mfa` says so. */
  | 'works'
  /** AccessDenied: the trust policy does not let this user in (or wants an external id), or the user's own policies lack sts:AssumeRole on it. */
  | 'refused'
  /** Anything else, with the code. */
  | 'other';

export interface TrialResult {
  arn: string;
  status: TrialStatus;
  /**
   * It works only with MFA: refused without, assumed with the person's code (or the MFA session a code opened).
   * Still `works`: the person gave a valid code and the role is theirs, as assuming it from the tree shows.
   */
  mfa?: true;
  /** The machine code behind `refused` and `other` (AccessDenied, DurationTooLong, MfaFailed, …). */
  code?: string;
  /** For `other`: the sentence from the STS path. */
  message?: string;
}

interface TrialOptions extends Omit<AssumeOptions, 'durationSeconds'> {
  /** The profile with the IAM user's keys that discovery read. */
  sourceProfile: string;
  /** The user's MFA device, when it has one: refused roles are tried again with it. */
  mfaSerial?: string;
}

/**
 * The MFA device of the user behind `sourceProfile`, as ~/.aws/config knows it: the profile's own mfa_serial,
 * else the one its role profiles use.
 */
export function sourceMfaSerial(config: AwsConfig, sourceProfile: string): string | undefined {
  const own = config.profiles.get(sourceProfile)?.mfaSerial;
  if (own) return own;
  return [...config.profiles.values()].find((p) => p.sourceProfile === sourceProfile && p.mfaSerial)?.mfaSerial;
}

/** A role entry for an ARN no profile names yet, assumed from `sourceProfile` for 15 minutes. */
function trialRole(arn: string, sourceProfile: string, mfaSerial: string | undefined): RoleEntry {
  const parsed = parseRoleArn(arn);
  return {
    ...parsed,
    key: `discovered:${arn}`,
    label: arn,
    origin: 'setting',
    source: { kind: 'profile', profile: sourceProfile },
    chained: false,
    needsMfa: mfaSerial !== undefined,
    mfaSerial,
    needsExternalId: false,
    durationSeconds: TRY_SECONDS,
    warnings: [],
  };
}

/** Tries each role in turn. Cancelling (the signal, or the MFA prompt on its first use) stops the whole try. */
export async function tryRoles(arns: string[], options: TrialOptions): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  let mfaUsable = options.mfaSerial !== undefined;
  for (const arn of arns) {
    if (options.signal?.aborted) throw cancelled();
    const plain = await attempt(trialRole(arn, options.sourceProfile, undefined), options);
    if (plain.status !== 'refused' || !mfaUsable) {
      results.push({ arn, ...plain });
      continue;
    }
    const withMfa = await attempt(trialRole(arn, options.sourceProfile, options.mfaSerial), options);
    if (withMfa.status === 'works') {
      results.push({ arn, status: 'works', mfa: true });
    } else if (withMfa.status === 'refused') {
      results.push({ arn, ...plain });
    } else {
      // A wrong code or a device AWS does not know: asking again for every role would only repeat it.
      mfaUsable = false;
      results.push({ arn, ...withMfa });
    }
  }
  return results;
}

async function attempt(role: RoleEntry, options: TrialOptions): Promise<Omit<TrialResult, 'arn'>> {
  try {
    await assumeRole(role, options);
    return { status: 'works' };
  } catch (error) {
    if (isCancellation(error) || !(error instanceof UserError)) throw error;
    if (error.code === 'AccessDenied') return { status: 'refused', code: 'AccessDenied' };
    return { status: 'other', code: error.code, message: error.message };
  }
}

/**
 * The list's selection after Try: every role the person checked themselves stays checked, refused or not (they may
 * reach it another way); of those only pre-checked for them, the refused ones are unchecked.
 */
export function selectionAfterTrial<T>(picked: Iterable<T>, preselected: ReadonlySet<T>, refused: (row: T) => boolean): Set<T> {
  return new Set([...picked].filter((row) => !preselected.has(row) || !refused(row)));
}
