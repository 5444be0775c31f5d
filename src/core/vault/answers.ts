// What a Vault answer must look like before anything is read from it, and the numbers in it made safe. A proxy's
// HTML page, a load balancer's 502, `null` or an empty 200 is "not a Vault answer", never a success.
import { UserError } from '../userError';

type Json = Record<string, unknown>;

/** A LIST of roles as the tree shows it: the names, or why the token may not list them. */
export type RoleList = { kind: 'roles'; roles: string[] } | { kind: 'forbidden'; message: string };

/** What a call expects back: the health object, an envelope (with data, auth or a lease), or nothing (204). */
export type AnswerShape = 'health' | 'envelope' | 'data' | 'auth' | 'lease' | 'noContent';

/** Longer than any Vault TTL in use (Vault's own default maximum is 32 days); beyond it a Date would break. */
export const MAX_TTL_SECONDS = 10 * 365 * 86400;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function notVaultAnswer(address: string, status?: number): UserError {
  const http = status === undefined ? '' : ` (HTTP ${status})`;
  return new UserError(
    `The server at ${address} did not give a Vault answer${http}; check the address, or whether a proxy or load balancer in front of Vault is failing.`,
    'VaultBadAnswer',
  );
}

/**
 * The body node-vault resolved with (it resolves on 200 and 204, and on every status for sys/health), when it has
 * `shape`; otherwise "not a Vault answer". Nothing of a non-Vault body is quoted: it is no business of a message.
 */
export function checkAnswer(body: unknown, shape: AnswerShape, address: string): Json {
  if (shape === 'health') {
    // sys/health answers 200, 429, 472, 473, 501 and 503 with the same object.
    if (isObject(body) && typeof body.initialized === 'boolean' && typeof body.sealed === 'boolean') {
      return body;
    }
    throw notVaultAnswer(address);
  }
  if (shape === 'noContent' && (body === undefined || body === '')) {
    return {}; // 204
  }
  if (!isEnvelope(body)) {
    throw notVaultAnswer(address, 200);
  }
  const fits =
    shape === 'envelope' ||
    shape === 'noContent' ||
    (shape === 'data' && isObject(body.data)) ||
    (shape === 'auth' && isObject(body.auth) && typeof body.auth.client_token === 'string') ||
    (shape === 'lease' && typeof body.lease_id === 'string' && typeof body.lease_duration === 'number');
  if (!fits) {
    throw notVaultAnswer(address, 200);
  }
  return body;
}

/**
 * What node-vault rejected an error status with (its ApiResponseError: the status and the body) when that body is
 * not Vault's own `{"errors": [...]}`, a proxy's 502 page say: "not a Vault answer". Undefined for Vault's errors,
 * which vaultErrors.readFailure reads as they are, and for failures before any answer.
 */
export function nonVaultFailure(error: unknown, address: string): UserError | undefined {
  const response = (error as { response?: { statusCode?: unknown; body?: unknown } } | undefined)?.response;
  if (!response || typeof response.statusCode !== 'number') return undefined;
  const body = response.body;
  return isObject(body) && Array.isArray(body.errors) ? undefined : notVaultAnswer(address, response.statusCode);
}

/** Every logical Vault answer carries a request id. */
function isEnvelope(body: unknown): body is Json {
  return isObject(body) && typeof body.request_id === 'string';
}

/** A TTL or lease duration in whole seconds within 0..MAX_TTL_SECONDS; anything else counts as 0 (unknown). */
export function ttlSeconds(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    return 0;
  }
  return Math.min(Math.floor(value), MAX_TTL_SECONDS);
}

/** When `seconds` from now ends, or undefined for 0 (no expiry known). Always a valid Date. */
export function expiryAfter(seconds: number, now = Date.now()): Date | undefined {
  return seconds > 0 ? new Date(now + seconds * 1000) : undefined;
}

/** A Vault address must be an http(s) URL with a host, checked before any request: never a default or $VAULT_ADDR. */
export function checkVaultAddress(address: unknown, serverName: string): string {
  let url: URL | undefined;
  try {
    url = typeof address === 'string' && address.trim() ? new URL(address.trim()) : undefined;
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    !url.hostname ||
    url.username ||
    url.password ||
    url.search ||
    url.hash
  ) {
    throw new UserError(
      `The Vault server "${serverName}" has no valid address; set its address in iamSwitchboard.vault.servers to an https:// URL such as https://vault.example.com:8200.`,
      'VaultBadAddress',
    );
  }
  return url.toString().replace(/\/$/, '');
}

/** A value Vault gave for a terminal's environment: printable, no whitespace or control characters. */
export function isCleanCredential(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}

/** A LIST of roles (dynamic or static) as the tree shows it. Vault answers an empty list with 404 and no errors, and a
 *  token that may not list with 403: that is said in the tree, not thrown. */
export async function listedRoles(list: () => Promise<Json>): Promise<RoleList> {
  try {
    const body = await list();
    return { kind: 'roles', roles: strings((body.data as Json | null | undefined)?.keys).sort() };
  } catch (error) {
    if (error instanceof UserError && error.code === 'VaultNotFound') {
      return { kind: 'roles', roles: [] };
    }
    if (error instanceof UserError && error.code === 'VaultPermissionDenied') {
      return { kind: 'forbidden', message: error.message };
    }
    throw error;
  }
}

/** The strings of an answer's array field; anything else is no strings. */
export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A mount or path without leading or trailing slashes. */
export function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
