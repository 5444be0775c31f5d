// Static roles of Vault's AWS engine: long-lived keys of an IAM user Vault adopted and rotates every
// rotation_period. They are not a lease (nothing to renew or revoke); what matters is when they rotate, because
// Vault deletes the old key at AWS then.
import type { AwsCredentials, IdentityOrigin } from '../session';
import { UserError } from '../userError';
import type { RoleList, VaultClient } from './client';
import { listedRoles, trimSlashes } from './answers';

export interface StaticRole {
  name: string;
  /** The IAM user whose keys Vault holds. */
  username: string;
  rotationPeriodSeconds: number;
}

export interface StaticCredentials {
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
