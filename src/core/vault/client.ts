// A Vault client for the AWS secrets engine over node-vault (loaded lazily): health, sign-in, mounts, roles,
// leases. Every failure leaves as a UserError with one sentence and a next step (see errors.ts).
import { readFile } from 'node:fs/promises';
import type { AwsCredentials } from '../session';
import { cancelled, UserError } from '../userError';
import { isLoopback } from '../loopback';
import {
  type AnswerShape,
  checkAnswer,
  nonVaultFailure,
  checkVaultAddress,
  expiryAfter,
  isCleanCredential,
  listedRoles,
  strings,
  trimSlashes,
  ttlSeconds,
} from './answers';
import { type FailureContext, readFailure, toUserError } from './errors';
import { vaultTransport } from './http';
import type { Lease } from './leases';
import { refuseWrapped } from './wrapping';

export type { Lease } from './leases';

export interface VaultServer {
  name: string;
  address: string;
  namespace?: string;
  /** AWS mounts to show; when empty they are discovered from `sys/mounts`. */
  awsMounts?: string[];
  /** Path to a PEM file with the CA that signed Vault's certificate. */
  caCert?: string;
  /** Lab servers only: accept any certificate. */
  tlsSkipVerify?: boolean;
  /** How people sign in to this server (see auth.ts for the defaults). */
  auth?: VaultAuthSetting;
}

export interface VaultAuthSetting {
  method: 'oidc' | 'ldap' | 'userpass' | 'token';
  /** Auth mount path; the method's name by default. */
  mount?: string;
  /** OIDC role; Vault's default_role when unset. */
  role?: string;
  /** OIDC loopback callback port (default 8250, what Vault roles are usually configured with). */
  redirectPort?: number;
}

interface VaultClientOptions {
  token?: string;
  timeoutMs?: number;
  /** Told once when TLS verification is off, so the edge can warn loudly; also when clean-up failed. */
  warn?: (message: string) => void;
  /** Told about clean-up nobody has to act on (a lease revoked after its request was cancelled). No secrets. */
  log?: (message: string) => void;
}

type HealthStatus = 'active' | 'standby' | 'sealed' | 'uninitialised' | 'unreachable';

export interface VaultHealth {
  status: HealthStatus;
  version?: string;
  /** Why it is unreachable, as a UserError sentence. */
  message?: string;
  code?: string;
}

export interface TokenInfo {
  displayName: string;
  policies: string[];
  /** Seconds left; 0 for tokens that never expire (root). */
  ttl: number;
  expireTime?: Date;
  renewable: boolean;
}

import type { RoleList } from './answers';
export type { RoleList };

export interface VaultRole {
  name: string;
  credentialTypes: string[];
  roleArns: string[];
  /** Seconds; 0 means Vault's default. */
  defaultStsTtl: number;
  maxStsTtl: number;
  mfaSerialNumber?: string;
  /** The role's own IAM policy (JSON text, '' when none) and managed policy ARNs, for a tooltip. */
  policyDocument: string;
  policyArns: string[];
}

export interface LeaseRequest {
  credentialType: string;
  /** Duration string (`15m`) or seconds; STS types only. */
  ttl?: string | number;
  roleArn?: string;
  roleSessionName?: string;
  mfaCode?: string;
  signal?: AbortSignal;
}

interface LeasedCredentials {
  credentials: AwsCredentials;
  /** The assumed-role ARN Vault reports for `assumed_role`. */
  arn?: string;
  lease: Lease;
  /** Vault's warnings (e.g. a TTL capped to the maximum). */
  warnings: string[];
}

export interface LeaseInfo {
  id: string;
  issueTime?: Date;
  expireTime?: Date;
  lastRenewal?: Date;
  renewable: boolean;
  ttl: number;
}

export const STS_CREDENTIAL_TYPES = ['assumed_role', 'federation_token', 'session_token'];

type VaultApi = ReturnType<(typeof import('./vaultSdk'))['nodeVault']>;
type Capability = FailureContext['capability'];
// Vault's JSON, loosely typed: fields are checked where they are read.
type Json = Record<string, unknown>;

const DEFAULT_TIMEOUT_MS = 15_000;
/** How long a lease request we stopped waiting for may still run, so a lease Vault issues late can be revoked. */
const ABANDONED_LEASE_GRACE_MS = 60_000;

interface CallOptions {
  signal?: AbortSignal;
  probeToken?: boolean;
  token?: string;
  /** What the answer must look like (answers.ts); anything else is "not a Vault answer". */
  shape?: AnswerShape;
  /** Deadline for the whole exchange; the client's timeout unless the request may outlive its caller. */
  deadlineMs?: number;
  /** The token is being checked before first use (sign-in): a refusal means "not accepted", not "expired". */
  newToken?: boolean;
}

export class VaultClient {
  private token: string | undefined;
  private readonly timeoutMs: number;
  private api: Promise<VaultApi> | undefined;

  constructor(
    readonly server: VaultServer,
    private readonly options: VaultClientOptions = {},
  ) {
    this.token = options.token;
    // Whole milliseconds: timers refuse fractions (a 16.1 s setting).
    this.timeoutMs = Math.max(1, Math.round(options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  }

  get address(): string {
    return this.server.address;
  }

  get signedIn(): boolean {
    return !!this.token;
  }

  /** The token stays in memory only; the edge keeps it in SecretStorage. */
  setToken(token: string | undefined): void {
    this.token = token || undefined;
  }

  async health(signal?: AbortSignal): Promise<VaultHealth> {
    try {
      // sys/health answers with the same object for every status (429, 501, 503, ...).
      const body = await this.call<Json>('read', 'sys/health', (api, o) => api.health({ requestOptions: o }), {
        signal,
        probeToken: false,
        shape: 'health',
      });
      const version = typeof body.version === 'string' ? body.version : undefined;
      if (body.initialized === false) {
        return { status: 'uninitialised', version };
      }
      if (body.sealed === true) {
        return { status: 'sealed', version };
      }
      return { status: body.standby === true ? 'standby' : 'active', version };
    } catch (error) {
      if (error instanceof UserError && error.code === 'Cancelled') {
        throw error;
      }
      const userError = error instanceof UserError ? error : toUserError(error, this.context('read', 'sys/health'));
      return { status: 'unreachable', message: userError.message, code: userError.code };
    }
  }

  async lookupSelf(signal?: AbortSignal): Promise<TokenInfo> {
    this.requireToken();
    return this.lookup(this.token ?? '', false, signal);
  }

  /** Who `token` is, without making it the client's token: sign-in checks a new token before adopting it. */
  async checkToken(token: string, signal?: AbortSignal): Promise<TokenInfo> {
    return this.lookup(token, true, signal);
  }

  private async lookup(token: string, newToken: boolean, signal?: AbortSignal): Promise<TokenInfo> {
    const body = await this.call<Json>('read', 'auth/token/lookup-self', (api, o) => api.tokenLookupSelf({ requestOptions: o }), {
      signal,
      probeToken: false,
      token,
      shape: 'data',
      newToken,
    });
    return tokenInfo(body.data as Json);
  }

  /** Extends the token; `increment` in seconds (Vault may grant less). */
  async renewSelf(increment?: number): Promise<TokenInfo> {
    this.requireToken();
    const body = await this.call<Json>(
      'update',
      'auth/token/renew-self',
      (api, o) => api.tokenRenewSelf({ ...(increment ? { increment } : {}), requestOptions: o }),
      { shape: 'auth' },
    );
    const auth = body.auth as Json;
    const ttl = ttlSeconds(auth.lease_duration);
    return {
      displayName: '',
      policies: strings(auth.policies),
      ttl,
      expireTime: expiryAfter(ttl),
      renewable: auth.renewable === true,
    };
  }

  /** Configured mounts, else those of type `aws` in `sys/mounts`; `aws` when that is forbidden. */
  async listAwsMounts(): Promise<string[]> {
    if (this.server.awsMounts?.length) {
      return this.server.awsMounts.map(trimSlashes);
    }
    try {
      const body = await this.call<Json>('read', 'sys/mounts', (api, o) => api.mounts({ requestOptions: o }));
      // Real Vault sends the table both under `data` and at the top level of the envelope.
      const table = (body.data && typeof body.data === 'object' ? body.data : body) as Record<string, { type?: unknown }>;
      return Object.entries(table)
        .filter(([, mount]) => mount && typeof mount === 'object' && mount.type === 'aws')
        .map(([path]) => trimSlashes(path))
        .sort();
    } catch (error) {
      if (error instanceof UserError && error.code === 'VaultPermissionDenied') {
        return ['aws'];
      }
      throw error;
    }
  }

  async listRoles(mount: string): Promise<RoleList> {
    const path = `${trimSlashes(mount)}/roles`;
    return listedRoles(() => this.call<Json>('list', path, (api, o) => api.read(`${path}?list=true`, o), { shape: 'data' }));
  }

  /** The role's settings, or undefined when the token may list roles but not read this one. */
  async readRole(mount: string, name: string): Promise<VaultRole | undefined> {
    const path = `${trimSlashes(mount)}/roles/${encodeURIComponent(name)}`;
    try {
      const body = await this.call<Json>('read', path, (api, o) => api.read(path, o), { shape: 'data' });
      return parseRole(name, body.data as Json);
    } catch (error) {
      if (error instanceof UserError && error.code === 'VaultPermissionDenied') {
        return undefined;
      }
      if (error instanceof UserError && error.code === 'VaultNotFound') {
        throw new UserError(
          `Vault has no AWS role "${name}" at ${trimSlashes(mount)}/; refresh the Vault view and pick an existing role.`,
          'VaultRoleNotFound',
          error.detail,
        );
      }
      throw error;
    }
  }

  /** `iam_user` through `<mount>/creds/<role>`, the STS types through `<mount>/sts/<role>`. */
  async leaseCredentials(mount: string, role: string, request: LeaseRequest): Promise<LeasedCredentials> {
    this.requireToken();
    const cleanMount = trimSlashes(mount);
    const isSts = STS_CREDENTIAL_TYPES.includes(request.credentialType);
    const path = `${cleanMount}/${isSts ? 'sts' : 'creds'}/${encodeURIComponent(role)}`;
    throwIfAborted(request.signal);
    // Once sent, a lease request is never dropped: Vault may still issue the lease. The caller stops waiting at
    // its timeout or cancel; the exchange runs on (bounded) so a late lease can be revoked, not left behind.
    const background = { shape: 'lease' as const, deadlineMs: this.timeoutMs + ABANDONED_LEASE_GRACE_MS };
    const issued = isSts
      ? this.call<Json>('update', path, (api, o) => api.write(path, stsParameters(request), o), background)
      : this.call<Json>('read', path, (api, o) => api.read(path, o), background);
    const gaveUp = AbortSignal.timeout(this.timeoutMs);
    let body: Json;
    try {
      body = await abortable(issued, request.signal ? AbortSignal.any([request.signal, gaveUp]) : gaveUp);
    } catch (error) {
      if (request.signal?.aborted || gaveUp.aborted) {
        void this.revokeAbandoned(issued, request.signal?.aborted ? 'was cancelled' : 'timed out');
      }
      if (gaveUp.aborted && !request.signal?.aborted) {
        throw toUserError(Object.assign(new Error('deadline passed'), { code: 'ETIMEDOUT' }), this.context('read', path));
      }
      throw error;
    }
    return leasedCredentials(body, { server: this.address, mount: cleanMount, role, credentialType: request.credentialType });
  }

  /**
   * Waits for a lease request the caller cancelled and revokes whatever lease Vault issued for it: nobody
   * tracks that lease, and an iam_user one would otherwise work for up to its max TTL (32 days by default).
   */
  private async revokeAbandoned(issued: Promise<Json>, why: string): Promise<void> {
    const leaseId = await issued.then(
      (body) => (typeof body.lease_id === 'string' ? body.lease_id : ''),
      () => '',
    );
    if (!leaseId) {
      return;
    }
    try {
      await this.revokeLease(leaseId);
      this.options.log?.(`Revoked Vault lease ${leaseId}: Vault issued it after its request ${why}.`);
    } catch (error) {
      const reason = error instanceof UserError ? error.message : 'unknown error';
      this.options.warn?.(
        `Could not revoke Vault lease ${leaseId}, issued after its request ${why}; revoke it by hand with "vault lease revoke ${leaseId}": ${reason}`,
      );
    }
  }

  /** Renews a lease by `increment` seconds (Vault caps it at the lease's max TTL). */
  async renewLease(leaseId: string, increment?: number): Promise<Pick<Lease, 'leaseId' | 'renewable' | 'leaseDuration' | 'expiresAt'>> {
    requireLease(leaseId, 'renew');
    const body = await this.call<Json>(
      'update',
      'sys/leases/renew',
      (api, o) => api.write('sys/leases/renew', increment ? { lease_id: leaseId, increment } : { lease_id: leaseId }, o),
      { shape: 'lease' },
    );
    const leaseDuration = ttlSeconds(body.lease_duration);
    return {
      leaseId: typeof body.lease_id === 'string' && body.lease_id ? body.lease_id : leaseId,
      renewable: body.renewable === true,
      leaseDuration,
      expiresAt: expiryAfter(leaseDuration),
    };
  }

  /** Revokes synchronously (Vault deletes an iam_user's IAM user before answering). Empty ids are no-ops. */
  async revokeLease(leaseId: string, signal?: AbortSignal): Promise<void> {
    if (!leaseId) {
      return;
    }
    // node-vault's `revoke` drops `sync`; write the body ourselves. sync=false would answer 202, which node-vault rejects.
    await this.call('update', 'sys/leases/revoke', (api, o) => api.write('sys/leases/revoke', { lease_id: leaseId, sync: true }, o), {
      signal,
      shape: 'noContent',
    });
  }

  async lookupLease(leaseId: string): Promise<LeaseInfo> {
    requireLease(leaseId, 'look up');
    const body = await this.call<Json>(
      'update',
      'sys/leases/lookup',
      (api, o) => api.write('sys/leases/lookup', { lease_id: leaseId }, o),
      { shape: 'data' },
    );
    const data = body.data as Json;
    return {
      id: typeof data.id === 'string' ? data.id : leaseId,
      issueTime: date(data.issue_time),
      expireTime: date(data.expire_time),
      lastRenewal: date(data.last_renewal ?? data.last_renewal_time),
      renewable: data.renewable === true,
      ttl: ttlSeconds(data.ttl),
    };
  }

  /**
   * One request with the client's error mapping, for the auth methods and engine paths that live in their own
   * modules (auth.ts, oidc.ts, staticRoles.ts). `token: ''` sends none (logins); `query` goes on
   * reads. Resolves with Vault's whole envelope.
   */
  async request(
    capability: Capability,
    path: string,
    options: { data?: Json; query?: Record<string, string>; signal?: AbortSignal; token?: string; shape?: AnswerShape } = {},
  ): Promise<Json> {
    const token = options.token ?? this.token;
    if (token === undefined) {
      this.requireToken();
    }
    const query = new URLSearchParams(capability === 'list' ? { ...options.query, list: 'true' } : options.query).toString();
    const target = query ? `${path}?${query}` : path;
    const isRead = capability === 'read' || capability === 'list';
    const body = await this.call<Json>(
      capability,
      path,
      (api, o) => (isRead ? api.read(target, o) : api.write(target, options.data ?? {}, o)),
      {
        signal: options.signal,
        probeToken: token !== '',
        token,
        shape: options.shape,
      },
    );
    refuseWrapped(body, this.address, path);
    return body;
  }

  private requireToken(): void {
    if (!this.token) {
      throw new UserError(`You are not signed in to Vault at ${this.address}; run "Sign in to Vault" first.`, 'VaultNotSignedIn');
    }
  }

  private context(capability: Capability, path: string, token = this.token): FailureContext {
    return { address: this.address, path, capability, timeoutMs: this.timeoutMs, signedIn: !!token };
  }

  /**
   * Runs one request (with the client's token unless `token` is given) and maps its failure. After a 403 it asks
   * lookup-self whether the token still works, which is what tells "your token expired" from "your policy does
   * not allow this" (Vault says "permission denied" to both).
   */
  private async call<T = unknown>(
    capability: Capability,
    path: string,
    run: (api: VaultApi, requestOptions: Json) => Promise<unknown>,
    { signal, probeToken = true, token = this.token, shape = 'envelope', deadlineMs = this.timeoutMs, newToken }: CallOptions = {},
  ): Promise<T> {
    throwIfAborted(signal);
    const api = await this.connect();
    // node-vault reads the token when the request starts, so setting it per call is safe with calls in flight.
    api.token = token ?? '';
    try {
      return checkAnswer(await run(api, { timeout: deadlineMs, signal }), shape, this.address) as T;
    } catch (error) {
      if (error instanceof UserError) {
        throw error;
      }
      const notVault = nonVaultFailure(error, this.address);
      if (notVault) {
        throw notVault;
      }
      if ((error as { name?: string }).name === 'AbortError') {
        throw cancelled();
      }
      const context = { ...this.context(capability, path, token), newToken };
      if (readFailure(error).status === 403 && token) {
        // lookup-self is in every token's default policy: a 403 there means the token itself is gone.
        Object.assign(
          context,
          probeToken ? await this.probeToken(api, token) : path === 'auth/token/lookup-self' ? { tokenValid: false } : {},
        );
      }
      throw toUserError(error, context);
    }
  }

  private async probeToken(api: VaultApi, token: string): Promise<Pick<FailureContext, 'tokenValid' | 'policies'>> {
    try {
      api.token = token;
      const body = await api.tokenLookupSelf({ requestOptions: { timeout: this.timeoutMs } });
      return { tokenValid: true, policies: tokenInfo(checkAnswer(body, 'data', this.address).data as Json).policies };
    } catch (error) {
      return readFailure(error).status === 403 ? { tokenValid: false } : {};
    }
  }

  private connect(): Promise<VaultApi> {
    this.api ??= this.createApi();
    // A failed setup (a bad address, an unreadable CA) is tried again next time, after the settings are fixed.
    this.api.catch(() => (this.api = undefined));
    return this.api;
  }

  private async createApi(): Promise<VaultApi> {
    const { server } = this;
    // Before anything is sent: node-vault would fall back to $VAULT_ADDR or http://127.0.0.1:8200.
    const endpoint = checkVaultAddress(server.address, server.name);
    const ca = server.caCert ? await readCa(server.caCert) : undefined;
    const warning = transportWarning(server);
    if (warning) {
      this.options.warn?.(warning);
    }
    const sdk = await import('./vaultSdk');
    const api = sdk.nodeVault({
      endpoint,
      // Our own HTTP exchange (http.ts): a deadline for the whole answer, cancellable, with a size ceiling.
      'request-promise': vaultTransport,
      namespace: server.namespace || undefined,
      // node-vault's default logger prints request bodies (a userpass password) when DEBUG=node-vault* is set.
      debug: () => undefined,
      // strictSSL explicit, so VAULT_SKIP_VERIFY in the extension host's environment changes nothing.
      requestOptions: { ...(ca ? { ca } : {}), strictSSL: !server.tlsSkipVerify, timeout: this.timeoutMs },
    });
    // node-vault falls back to VAULT_TOKEN, VAULT_NAMESPACE and VAULT_PREFIX from the environment: only the
    // server's own settings count here.
    Object.assign(api, { token: '', namespace: server.namespace ?? '', pathPrefix: '' });
    return api;
  }
}

/** Why the token would be readable on the network (no TLS to another host, or TLS unchecked); else undefined. */
export function transportWarning(server: Pick<VaultServer, 'address' | 'tlsSkipVerify'>): string | undefined {
  let url: URL;
  try {
    url = new URL(server.address);
  } catch {
    return undefined; // The request fails with its own message.
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    return `Vault at ${server.address} is plain http://: your token and credentials cross the network unencrypted; use an https:// address.`;
  }
  if (server.tlsSkipVerify) {
    return `TLS certificate checks are OFF for Vault at ${server.address}: anyone on the network path can read your token and credentials; use this only for a lab server.`;
  }
  return undefined;
}

function leasedCredentials(body: Json, where: Pick<Lease, 'server' | 'mount' | 'role' | 'credentialType'>): LeasedCredentials {
  refuseWrapped(
    body,
    where.server,
    `${where.mount}/${STS_CREDENTIAL_TYPES.includes(where.credentialType) ? 'sts' : 'creds'}/${where.role}`,
  );
  const data = (body.data ?? {}) as Json;
  const accessKeyId = typeof data.access_key === 'string' ? data.access_key : '';
  const secretAccessKey = typeof data.secret_key === 'string' ? data.secret_key : '';
  if (!accessKeyId || !secretAccessKey) {
    throw new UserError(
      `Vault answered ${where.mount}/${where.role} without AWS keys; check that the mount is an AWS secrets engine.`,
      'VaultNoCredentials',
    );
  }
  // Vault >= 1.16 says session_token; older versions say security_token (null for iam_user).
  const token = data.session_token ?? data.security_token;
  // These go into terminals' environments: a newline or control character there is not a credential.
  if (![accessKeyId, secretAccessKey, typeof token === 'string' ? token : 'x'].every(isCleanCredential)) {
    throw new UserError(
      `Vault answered ${where.mount}/${where.role} with keys that contain spaces or control characters; check the Vault server and its AWS secrets engine.`,
      'VaultBadAnswer',
    );
  }
  // data.ttl is the STS expiry and survives Vault 1.13.0/1.13.1, which sent STS credentials with no lease.
  const seconds = ttlSeconds(data.ttl) || ttlSeconds(body.lease_duration);
  const expiresAt = expiryAfter(seconds);
  return {
    credentials: {
      accessKeyId,
      secretAccessKey,
      sessionToken: typeof token === 'string' && token ? token : undefined,
      expiration: expiresAt,
    },
    arn: typeof data.arn === 'string' ? data.arn : undefined,
    lease: {
      ...where,
      leaseId: typeof body.lease_id === 'string' ? body.lease_id : '',
      renewable: body.renewable === true,
      leaseDuration: ttlSeconds(body.lease_duration),
      expiresAt,
    },
    warnings: strings(body.warnings),
  };
}

function stsParameters(request: LeaseRequest): Json {
  const parameters: Json = {};
  if (request.ttl !== undefined && request.ttl !== '') parameters.ttl = request.ttl;
  if (request.roleArn) parameters.role_arn = request.roleArn;
  if (request.roleSessionName) parameters.role_session_name = request.roleSessionName.slice(0, 64);
  if (request.mfaCode) parameters.mfa_code = request.mfaCode;
  return parameters;
}

function parseRole(name: string, data: Json): VaultRole {
  // Vault 1.14 sends `credential_type` as a comma-joined string; the docs show a `credential_types` list.
  const types = Array.isArray(data.credential_types)
    ? strings(data.credential_types)
    : typeof data.credential_type === 'string'
      ? data.credential_type
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : [];
  return {
    name,
    credentialTypes: types,
    roleArns: strings(data.role_arns),
    defaultStsTtl: ttlSeconds(data.default_sts_ttl),
    maxStsTtl: ttlSeconds(data.max_sts_ttl),
    mfaSerialNumber: typeof data.mfa_serial_number === 'string' && data.mfa_serial_number ? data.mfa_serial_number : undefined,
    policyDocument: typeof data.policy_document === 'string' ? data.policy_document : '',
    policyArns: strings(data.policy_arns),
  };
}

function tokenInfo(data: Json): TokenInfo {
  const policies = [...new Set([...strings(data.policies), ...strings(data.identity_policies)])];
  return {
    displayName: typeof data.display_name === 'string' ? data.display_name : '',
    policies,
    ttl: ttlSeconds(data.ttl),
    expireTime: date(data.expire_time),
    renewable: data.renewable === true,
  };
}

function requireLease(leaseId: string, action: string): void {
  if (!leaseId) {
    throw new UserError(
      `These credentials came without a Vault lease, so there is nothing to ${action}; they stay valid until they expire.`,
      'VaultNoLease',
    );
  }
}

async function readCa(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    throw new UserError(
      `Could not read the Vault CA certificate; fix caCert in iamSwitchboard.vault.servers: ${path} (${code})`,
      'VaultCaCert',
    );
  }
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    throw cancelled();
  }
}

/** Rejects as soon as `signal` aborts; the request itself runs on until its timeout (node-vault takes no signal). */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) {
    return promise;
  }
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function date(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !value) {
    return undefined;
  }
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}
