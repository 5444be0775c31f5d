// MFA sessions (GetSessionToken credentials) across Reload Window, so the role that was active comes back without a
// new code while its MFA session is still valid. They are kept only where VS Code keeps secrets (SecretStorage: the
// OS keychain, or VS Code's encrypted store), never in a file, a setting or Memento state; only sessions still
// usable are written or read back, and an unreadable entry is dropped, never an error.
import { isMfaKeyOf, type StsCache } from './assumeRole';

/** The part of VS Code's SecretStorage this needs (so the core does not import vscode). */
export interface SecretBox {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

export const MFA_SESSIONS_SECRET = 'iamSwitchboard.mfaSessions';

interface Kept {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration: string;
}

/**
 * Writes the cache's usable MFA sessions (none: the entry is deleted). With `last`, what this wrote before, only
 * when they changed: a switch or refresh that reuses the same MFA session writes nothing to the keychain.
 */
export async function keepMfaSessions(cache: StsCache, box: SecretBox, now = Date.now(), last?: { written?: string }): Promise<void> {
  const kept: Record<string, Kept> = {};
  for (const [key, c] of cache.mfaSessionEntries(now)) {
    // A session without an expiry is not GetSessionToken's: not kept.
    if (c.expiration) {
      kept[key] = {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiration: c.expiration.toISOString(),
      };
    }
  }
  const text = Object.keys(kept).length ? JSON.stringify(kept) : '';
  if (last?.written === text) return;
  await (text ? box.store(MFA_SESSIONS_SECRET, text) : box.delete(MFA_SESSIONS_SECRET));
  if (last) last.written = text;
}

/** Puts the kept MFA sessions that are still usable back into `cache`; returns how many. */
export async function restoreMfaSessions(cache: StsCache, box: SecretBox, now = Date.now()): Promise<number> {
  let kept: Record<string, Partial<Kept>>;
  try {
    kept = JSON.parse((await box.get(MFA_SESSIONS_SECRET)) ?? '{}') as Record<string, Partial<Kept>>;
  } catch {
    return 0;
  }
  for (const [key, c] of Object.entries(kept)) {
    const expiration = new Date(c.expiration ?? NaN);
    if (typeof c.accessKeyId === 'string' && typeof c.secretAccessKey === 'string' && !isNaN(expiration.getTime())) {
      cache.setMfaSession(key, {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiration,
      });
    }
  }
  // mfaSessionEntries drops the ones too close to their end to reuse.
  return cache.mfaSessionEntries(now).length;
}

/**
 * Drops `profile`'s kept MFA sessions: its key was rotated, replaced or moved, so no session made from the old one
 * comes back after a reload. Every window does it (SecretStorage is shared); an unreadable entry is left to restore.
 */
export async function forgetKeptMfaSessions(box: SecretBox, profile: string): Promise<void> {
  let kept: Record<string, unknown>;
  try {
    kept = JSON.parse((await box.get(MFA_SESSIONS_SECRET)) ?? '{}') as Record<string, unknown>;
  } catch {
    return;
  }
  const left = Object.entries(kept).filter(([key]) => !isMfaKeyOf(key, profile));
  if (left.length === Object.keys(kept).length) return;
  await (left.length ? box.store(MFA_SESSIONS_SECRET, JSON.stringify(Object.fromEntries(left))) : box.delete(MFA_SESSIONS_SECRET));
}
