// How old a central user's access keys are and when they were last used (iam:ListAccessKeys and
// iam:GetAccessKeyLastUsed, asked with the key itself), and the tooltip lines that say it, with a warning from
// iamSwitchboard.keys.maxAgeDays. Read only when a person looks (a tooltip, a refresh, a rotation), never at start.
import type { AccessKey } from './accessKey';
import { type IamKeysClient, type KeyCallSettings, callOptions, failureCode, iamKeysClient, nextStep } from './iamKeys';
import { cancelled, UserError } from '../userError';

export interface KeyFacts {
  accessKeyId: string;
  /** Active or Inactive, as IAM says. */
  status: string;
  createdAt?: Date;
  /** Undefined when never used (IAM then says N/A) or when the user may not ask (lastUseKnown false). */
  lastUsedAt?: Date;
  lastService?: string;
  lastRegion?: string;
  lastUseKnown: boolean;
  /** This is the key the profile signs with. */
  inUse: boolean;
}

const DAY_MS = 86_400_000;

/** The user's keys, the profile's own first. Throws a UserError that names the key in use and what to do. */
export async function readKeyFacts(key: AccessKey, settings: KeyCallSettings, iam?: IamKeysClient): Promise<KeyFacts[]> {
  const own = iam ?? (await iamKeysClient(key, settings));
  try {
    return await listKeyFacts(own, key.accessKeyId, settings);
  } catch (error) {
    if (settings.signal?.aborted) throw cancelled();
    const code = failureCode(error);
    throw new UserError(
      `Could not list the access keys of your IAM user (${code}): key ${key.accessKeyId} is in use as before; ${nextStep(code, 'ListAccessKeys')}.`,
      code,
    );
  } finally {
    if (!iam) own.client.destroy();
  }
}

/** ListAccessKeys then GetAccessKeyLastUsed for each key at once; SDK errors pass through for the caller to word. */
export async function listKeyFacts({ sdk, client }: IamKeysClient, inUseId: string, settings: KeyCallSettings): Promise<KeyFacts[]> {
  settings.log?.(`IAM ListAccessKeys with key ${inUseId}`);
  const listed = await client.send(new sdk.ListAccessKeysCommand({}), callOptions(settings));
  const keys = (listed.AccessKeyMetadata ?? []).filter((k) => k.AccessKeyId);
  const facts = await Promise.all(
    keys.map(async (k): Promise<KeyFacts> => {
      const id = k.AccessKeyId!;
      const base = { accessKeyId: id, status: k.Status ?? 'Active', createdAt: k.CreateDate, inUse: id === inUseId };
      try {
        const used = await client.send(new sdk.GetAccessKeyLastUsedCommand({ AccessKeyId: id }), callOptions(settings));
        const last = used.AccessKeyLastUsed;
        const known = (value: string | undefined) => (value && value !== 'N/A' ? value : undefined);
        return {
          ...base,
          lastUseKnown: true,
          lastUsedAt: last?.LastUsedDate,
          lastService: known(last?.ServiceName),
          lastRegion: known(last?.Region),
        };
      } catch (error) {
        if (settings.signal?.aborted) throw error;
        // The age alone is worth showing: a user may list keys without being allowed to ask their last use.
        settings.log?.(`IAM GetAccessKeyLastUsed ${id}: ${failureCode(error)}`);
        return { ...base, lastUseKnown: false };
      }
    }),
  );
  return facts.sort((a, b) => Number(b.inUse) - Number(a.inUse));
}

/** Whole days since `date`. */
export function ageInDays(date: Date, now = Date.now()): number {
  return Math.max(0, Math.floor((now - date.getTime()) / DAY_MS));
}

/** "3 hours ago", "12 days ago": how long ago, in the largest whole unit. */
export function timeAgo(date: Date, now = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - date.getTime()) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  const days = Math.floor(hours / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** True when the key is at least `maxAgeDays` old (0 turns the warning off). */
export function isTooOld(facts: KeyFacts, maxAgeDays: number, now = Date.now()): boolean {
  return maxAgeDays > 0 && facts.createdAt !== undefined && ageInDays(facts.createdAt, now) >= maxAgeDays;
}

/** One line per key for a tooltip: its age (with the warning) and its last use. */
export function keyFactsLines(keys: KeyFacts[], maxAgeDays: number, now = Date.now()): string[] {
  return keys.map((k) => {
    const which = k.inUse ? `Access key ${k.accessKeyId} (in use)` : `Other access key ${k.accessKeyId}`;
    const age = k.createdAt ? `${ageInDays(k.createdAt, now)} days old` : 'age unknown';
    const warning = isTooOld(k, maxAgeDays, now) ? ` — older than ${maxAgeDays} days: run Rotate Access Key` : '';
    const where = [k.lastService, k.lastRegion].filter(Boolean).join(' in ');
    const used = !k.lastUseKnown
      ? 'last use unknown (no iam:GetAccessKeyLastUsed)'
      : k.lastUsedAt
        ? `last used ${timeAgo(k.lastUsedAt, now)}${where ? ` (${where})` : ''}`
        : 'never used';
    return `${which}: ${age}${warning}; ${used}${k.status === 'Active' ? '' : `; ${k.status}`}`;
  });
}
