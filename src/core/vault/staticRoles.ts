// Static roles of Vault's AWS engine: long-lived keys of an IAM user Vault adopted and rotates every
// rotation_period. They are not a lease (nothing to renew or revoke); what matters is when they rotate, because
// Vault deletes the old key at AWS then.
import type { AwsCredentials, IdentityOrigin } from '../session';
import { clockTime } from '../time';
import { UserError } from '../userError';
import type { RoleList, VaultClient } from './client';
import { listedRoles, trimSlashes } from './answers';

export interface StaticRole {
  name: string;
  /** The IAM user whose keys Vault holds. */
  username: string;
  rotationPeriodSeconds: number;
}

interface StaticCredentials {
  /** No `expiration`: they do not expire, they rotate (see rotatesAt). */
  credentials: AwsCredentials;
  /** When Vault replaces (and deletes) these keys, when it says so (Vault >= 1.16 `expiration`, or `ttl`). */
  rotatesAt?: Date;
  origin: Extract<IdentityOrigin, { kind: 'vaultStatic' }>;
}

export async function listStaticRoles(client: VaultClient, mount: string): Promise<RoleList> {
  return listedRoles(() => client.request('list', `${trimSlashes(mount)}/static-roles`));
}

/** The role's settings, or undefined when the token may not read them. */
export async function readStaticRole(client: VaultClient, mount: string, name: string): Promise<StaticRole | undefined> {
  const path = `${trimSlashes(mount)}/static-roles/${encodeURIComponent(name)}`;
  try {
    const data = ((await client.request('read', path)).data ?? {}) as Record<string, unknown>;
    return {
      name: typeof data.name === 'string' && data.name ? data.name : name,
      username: typeof data.username === 'string' ? data.username : '',
      rotationPeriodSeconds: typeof data.rotation_period === 'number' ? data.rotation_period : 0,
    };
  } catch (error) {
    if (error instanceof UserError && error.code === 'VaultPermissionDenied') {
      return undefined;
    }
    throw notFoundAsRole(error, mount, name);
  }
}

export async function readStaticCredentials(
  client: VaultClient,
  mount: string,
  name: string,
  signal?: AbortSignal,
): Promise<StaticCredentials> {
  const cleanMount = trimSlashes(mount);
  const path = `${cleanMount}/static-creds/${encodeURIComponent(name)}`;
  let data: Record<string, unknown>;
  try {
    data = ((await client.request('read', path, { signal })).data ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw notFoundAsRole(error, mount, name);
  }
  const accessKeyId = typeof data.access_key === 'string' ? data.access_key : '';
  const secretAccessKey = typeof data.secret_key === 'string' ? data.secret_key : '';
  if (!accessKeyId || !secretAccessKey) {
    throw new UserError(
      `Vault answered ${path} without AWS keys; check that ${cleanMount}/ is an AWS secrets engine.`,
      'VaultNoCredentials',
    );
  }
  const rotatesAt = rotationTime(data);
  return {
    credentials: { accessKeyId, secretAccessKey },
    rotatesAt,
    origin: { kind: 'vaultStatic', server: client.address, mount: cleanMount, role: name, rotatesAt },
  };
}

/** `expiration` (RFC 3339, Vault >= 1.16), else `ttl` seconds from now; Vault 1.14 sends neither. */
export function rotationTime(data: Record<string, unknown>, now = Date.now()): Date | undefined {
  if (typeof data.expiration === 'string') {
    const parsed = new Date(data.expiration);
    if (!Number.isNaN(parsed.getTime())) {
      return parsed;
    }
  }
  return typeof data.ttl === 'number' && data.ttl > 0 ? new Date(now + data.ttl * 1000) : undefined;
}

/**
 * Vault rotates static roles on its one-minute periodic tick, not at `expiration` (builtin/logical/aws
 * rotation.go, run by the backend's periodic function): the new keys come up to ~60 s later, plus the IAM calls.
 * The keys in use keep working until the rotation after that one, which deletes them.
 */
export const ROTATION_LATENESS_MS = 90_000;
/** How often the keys are read again while a rotation is owed. */
export const ROTATION_POLL_MS = 5_000;
/** The first look after the rotation time: Vault's clock and ours differ a little. */
const ROTATION_GRACE_MS = 2_000;

type RotationStep =
  /** Vault has new keys: terminals must get them. */
  | { kind: 'rotated' }
  /** The same keys, not yet due: look again at the next check (firstRotationCheckIn). */
  | { kind: 'notYet' }
  /** The same keys, due later than we thought (the rotation period changed): follow the new time. */
  | { kind: 'rescheduled' }
  /** The same keys, and Vault may still be on its way to the tick: read again in `inMs`. */
  | { kind: 'wait'; inMs: number }
  /** The same keys long past the rotation time: stop reading and say so. */
  | { kind: 'overdue' };

/**
 * What to do after reading a static role's keys again while its rotation is owed. `dueAt` is the rotation time
 * the keys in use came with. Vault may keep a stale `expiration` after a rotation_period change
 * (path_static_roles.go builds the updated entry but never stores it), so a time that does not move is no promise.
 */
export function rotationStep(
  inUse: { accessKeyId: string; dueAt: Date },
  fresh: { accessKeyId: string; rotatesAt?: Date },
  now = Date.now(),
): RotationStep {
  if (fresh.accessKeyId !== inUse.accessKeyId) {
    return { kind: 'rotated' };
  }
  if (fresh.rotatesAt && fresh.rotatesAt.getTime() > inUse.dueAt.getTime() && fresh.rotatesAt.getTime() > now) {
    return { kind: 'rescheduled' };
  }
  if (now < inUse.dueAt.getTime()) {
    return { kind: 'notYet' };
  }
  const overdueAt = inUse.dueAt.getTime() + ROTATION_LATENESS_MS;
  return now < overdueAt ? { kind: 'wait', inMs: Math.min(ROTATION_POLL_MS, overdueAt - now) } : { kind: 'overdue' };
}

/**
 * When to read the keys next for a rotation due at `dueAt`: then, or after one rotation period when the role's
 * period is known and shorter. A period change schedules the next rotation at change time + period without
 * updating `expiration`, and the keys in use die one period after that rotation, so reading at least once a
 * period is what catches a rotation the stale time hides, in time.
 */
export function firstRotationCheckIn(dueAt: Date, periodSeconds?: number, now = Date.now()): number {
  const untilDue = Math.max(0, dueAt.getTime() - now) + ROTATION_GRACE_MS;
  return periodSeconds && periodSeconds > 0 ? Math.min(untilDue, periodSeconds * 1000) : untilDue;
}

/**
 * Vault refuses a rotation_period under one minute (path_static_roles.go, minAllowableRotationPeriod), and the
 * rotation that replaces keys Vault holds now comes after now: those keys work at least one minute past it, as
 * createCredential deletes them only at the rotation after that (rotation.go).
 */
export const MIN_ROTATION_PERIOD_MS = 60_000;

/**
 * Whether static keys the endpoint has held since `heldSince` must be read from Vault again before they are served:
 * once their rotation time has come (Vault may have replaced them), and then at most every ROTATION_POLL_MS
 * until the keys Vault answers with carry a new rotation time.
 */
export function staticRereadDue(rotatesAt: Date | undefined, heldSince: number, now = Date.now()): boolean {
  if (!rotatesAt || now < rotatesAt.getTime()) return false;
  return heldSince < rotatesAt.getTime() || now - heldSince >= ROTATION_POLL_MS;
}

/**
 * The Expiration served with static keys, so processes come back for the new ones: the keys Vault holds now die
 * no sooner than one minimum period after the rotation that replaces them, which comes at `rotatesAt` or later,
 * so they are given until then (never beyond `horizonMs`); past the rotation time the keys served were read within
 * ROTATION_POLL_MS (staticRereadDue), so they are given one minute from then.
 */
export function staticServedUntil(rotatesAt: Date | undefined, horizonMs: number, now = Date.now()): Date {
  const horizon = now + horizonMs;
  if (!rotatesAt) return new Date(horizon);
  return new Date(Math.min(horizon, Math.max(rotatesAt.getTime(), now - ROTATION_POLL_MS) + MIN_ROTATION_PERIOD_MS));
}

/** A pinned terminal's static keys past their rotation time that could not be read again: they are not served. */
export function staticUnreadMessage(role: string, dueAt: Date | undefined): string {
  const due = dueAt ? ` were due for rotation at ${dueAt.toISOString()} and` : '';
  return `The static keys of ${role}${due} could not be read again from Vault, so they are not served: sign in to Vault, then open a new terminal with the static role.`;
}

/** The warning when Vault did not rotate within ROTATION_LATENESS_MS: what it means, and what to do. */
export function overdueRotationMessage(role: string, dueAt: Date): string {
  return `Vault has not rotated the static keys of ${role}, due at ${clockTime(dueAt)}, within ${ROTATION_LATENESS_MS / 1000} s, so terminals keep them and will lose them one rotation after Vault replaces them: use the static role again once Vault has rotated it, and check its rotation_period in Vault.`;
}

function notFoundAsRole(error: unknown, mount: string, name: string): unknown {
  if (error instanceof UserError && error.code === 'VaultNotFound') {
    return new UserError(
      `Vault has no static role "${name}" at ${trimSlashes(mount)}/; refresh the Vault view and pick an existing role.`,
      'VaultRoleNotFound',
      error.detail,
    );
  }
  return error;
}
