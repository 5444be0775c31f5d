// Vault's AWS secrets engine (builtin/logical/aws, 1.14) at one mount: config/root, config/lease, roles,
// creds/:name for iam_user and sts/:name for assumed_role, federation_token and (Vault >= 1.16) session_token,
// with leases whose revocation deletes the IAM user.
import { randomToken, toList } from './auth';
import { parseDurationSeconds, secondsUntil } from './clock';
import { type Reply, type Route, type VaultRequest, VaultError, badRequest, none, ok } from './http';
import type { LeaseStore } from './leases';
import { AwsClients, type RootConfig, assumeRole, createIamUser, deleteIamUser, getFederationToken, getSessionToken } from './awsCalls';

export const CREDENTIAL_TYPES = ['iam_user', 'assumed_role', 'federation_token', 'session_token'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export interface AwsRole {
  credential_type: CredentialType[];
  policy_arns: string[];
  role_arns: string[];
  policy_document: string;
  iam_groups: string[];
  iam_tags: Record<string, string>;
  default_sts_ttl: number;
  max_sts_ttl: number;
  user_path: string;
  permissions_boundary_arn: string;
  /** session_token only: the MFA device of Vault's own IAM user that GetSessionToken must name. */
  mfa_serial_number: string;
}

/** Role fields as a client writes them (lists as arrays or comma strings, TTLs as seconds or durations). */
export type RoleInput = Record<string, unknown>;

// Vault's system max lease TTL (768h), the cap when neither the role nor config/lease set one.
const SYSTEM_MAX_TTL = 768 * 3600;

export class AwsEngine {
  private root: RootConfig | undefined;
  private clientCache: AwsClients | undefined;
  private lease: { lease: number; lease_max: number } | undefined;
  private readonly roles = new Map<string, AwsRole>();

  constructor(
    readonly mount: string,
    private readonly leases: LeaseStore,
  ) {}

  routes(): Route[] {
    const m = this.mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return [
      { pattern: new RegExp(`^${m}/config/root$`), read: () => this.readRoot(), write: (req) => this.writeRoot(req.body) },
      { pattern: new RegExp(`^${m}/config/lease$`), read: () => this.readLease(), write: (req) => this.writeLease(req.body) },
      { pattern: new RegExp(`^${m}/roles/?$`), list: () => this.listRoles() },
      {
        pattern: new RegExp(`^${m}/roles/([^/]+)$`),
        exists: (req) => this.roles.has(req.params[0]),
        read: (req) => this.readRole(req.params[0]),
        write: (req) => this.writeRole(req.params[0], req.body),
        delete: (req) => {
          this.roles.delete(req.params[0]);
          return none();
        },
      },
      { pattern: new RegExp(`^${m}/creds/([^/]+)$`), read: (req) => this.issue(req, 'creds'), write: (req) => this.issue(req, 'creds') },
      { pattern: new RegExp(`^${m}/sts/([^/]+)$`), read: (req) => this.issue(req, 'sts'), write: (req) => this.issue(req, 'sts') },
    ];
  }

  // ---- config ----

  private readRoot(): Reply {
    if (!this.root) throw new VaultError(404, []);
    const { access_key, region, iam_endpoint, sts_endpoint, max_retries } = this.root;
    return ok({ access_key, region, iam_endpoint, sts_endpoint, max_retries });
  }

  writeRoot(body: Record<string, unknown>): Reply {
    this.root = {
      access_key: String(body.access_key ?? ''),
      secret_key: String(body.secret_key ?? ''),
      region: String(body.region ?? 'us-east-1'),
      iam_endpoint: String(body.iam_endpoint ?? ''),
      sts_endpoint: String(body.sts_endpoint ?? ''),
      max_retries: body.max_retries === undefined ? -1 : Number(body.max_retries),
    };
    this.clientCache = undefined;
    return none();
  }

  private readLease(): Reply {
    if (!this.lease) throw new VaultError(404, []);
    return ok({ lease: goDuration(this.lease.lease), lease_max: goDuration(this.lease.lease_max) });
  }

  writeLease(body: Record<string, unknown>): Reply {
    const lease = durationField(body, 'lease');
    const leaseMax = durationField(body, 'lease_max');
    if (!lease) throw badRequest("'lease' is a required parameter");
    if (!leaseMax) throw badRequest("'lease_max' is a required parameter");
    this.lease = { lease, lease_max: leaseMax };
    return none();
  }

  clients(): AwsClients {
    if (!this.root) throw badRequest('no root credentials configured: write aws/config/root first');
    this.clientCache ??= new AwsClients(this.root);
    return this.clientCache;
  }

  // ---- roles ----

  private listRoles(): Reply {
    const keys = [...this.roles.keys()].sort();
    if (keys.length === 0) throw new VaultError(404, []);
    return ok({ keys });
  }

  private readRole(name: string): Reply {
    const role = this.roles.get(name);
    if (!role) throw new VaultError(404, []);
    return ok({ ...role, credential_type: role.credential_type.join(',') });
  }

  writeRole(name: string, body: RoleInput): Reply {
    const existing = this.roles.get(name);
    const role: AwsRole = existing
      ? { ...existing }
      : {
          credential_type: [],
          policy_arns: [],
          role_arns: [],
          policy_document: '',
          iam_groups: [],
          iam_tags: {},
          default_sts_ttl: 0,
          max_sts_ttl: 0,
          user_path: '',
          permissions_boundary_arn: '',
          mfa_serial_number: '',
        };
    const types = toList(body.credential_type);
    if (types) {
      const unknown = types.find((t) => !(CREDENTIAL_TYPES as readonly string[]).includes(t));
      if (unknown) throw badRequest(`unrecognized credential type: ${unknown}`);
      role.credential_type = [...new Set(types as CredentialType[])].sort();
    }
    if (role.credential_type.length === 0) throw badRequest('did not supply credential_type');
    role.policy_arns = toList(body.policy_arns) ?? role.policy_arns;
    role.role_arns = toList(body.role_arns) ?? role.role_arns;
    role.iam_groups = toList(body.iam_groups) ?? role.iam_groups;
    if (body.iam_tags !== undefined) role.iam_tags = parseTags(body.iam_tags);
    if (body.policy_document !== undefined) role.policy_document = compactPolicy(body.policy_document);
    role.default_sts_ttl = durationField(body, 'default_sts_ttl') ?? role.default_sts_ttl;
    role.max_sts_ttl = durationField(body, 'max_sts_ttl') ?? role.max_sts_ttl;
    if (body.user_path !== undefined) role.user_path = String(body.user_path);
    if (body.permissions_boundary_arn !== undefined) role.permissions_boundary_arn = String(body.permissions_boundary_arn);
    if (body.mfa_serial_number !== undefined) role.mfa_serial_number = String(body.mfa_serial_number);
    validateRole(role);
    this.roles.set(name, role);
    return none();
  }

  // ---- credentials ----

  private async issue(req: VaultRequest, via: 'creds' | 'sts'): Promise<Reply> {
    const name = req.params[0];
    const role = this.roles.get(name);
    if (!role) throw badRequest(`Role "${name}" not found`);
    const type = credentialTypeFor(role, via);
    const displayName = req.token?.displayName ?? 'token';
    if (type === 'iam_user') {
      if (via === 'sts') {
        throw badRequest('attempted to retrieve iam_user credentials through the sts path; this is not allowed for legacy roles');
      }
      return this.issueIamUser(name, role, displayName, req.token?.id);
    }
    const ttl = this.stsTtl(role, req.body.ttl);
    if (type === 'assumed_role') return this.issueAssumedRole(name, role, req.body, ttl, displayName, via, req.token?.id);
    if (type === 'session_token') {
      const mfaCode = typeof req.body.mfa_code === 'string' ? req.body.mfa_code : '';
      const keys = await getSessionToken(this.clients(), {
        durationSeconds: ttl,
        serialNumber: role.mfa_serial_number,
        tokenCode: mfaCode,
      });
      return this.stsReply(`${this.mount}/${via}/${name}`, keys, req.token?.id, {});
    }
    return this.issueFederationToken(name, role, ttl, displayName, via, req.token?.id);
  }

  private async issueIamUser(name: string, role: AwsRole, displayName: string, tokenId: string | undefined): Promise<Reply> {
    const userName = generatedName(`vault-${displayName}-${name}`, 64);
    const keys = await createIamUser(this.clients(), {
      userName,
      path: role.user_path,
      policyName: name,
      policyArns: role.policy_arns,
      policyDocument: role.policy_document,
      groups: role.iam_groups,
      tags: role.iam_tags,
      permissionsBoundaryArn: role.permissions_boundary_arn,
    });
    const lease = this.leases.add({
      prefix: `${this.mount}/creds/${name}`,
      ttlSeconds: this.lease?.lease ?? SYSTEM_MAX_TTL,
      maxTtlSeconds: this.lease?.lease_max ?? SYSTEM_MAX_TTL,
      renewable: true,
      tokenId,
      revokeSecret: () => deleteIamUser(this.clients(), userName),
    });
    return ok(
      { access_key: keys.accessKeyId, secret_key: keys.secretAccessKey, security_token: null, session_token: null },
      { lease: { id: lease.id, renewable: true, durationSeconds: lease.grantedSeconds } },
    );
  }

  private async issueAssumedRole(
    name: string,
    role: AwsRole,
    params: Record<string, unknown>,
    ttl: number,
    displayName: string,
    via: string,
    tokenId: string | undefined,
  ): Promise<Reply> {
    const roleArn = chooseRoleArn(name, role, params.role_arn);
    const requestedSession = typeof params.role_session_name === 'string' ? params.role_session_name : '';
    const sessionName = requestedSession ? requestedSession.slice(0, 64) : generatedName(`vault-${displayName}-${name}`, 64);
    const keys = await assumeRole(this.clients(), {
      roleArn,
      sessionName,
      durationSeconds: ttl,
      policy: role.policy_document,
      policyArns: role.policy_arns,
    });
    return this.stsReply(`${this.mount}/${via}/${name}`, keys, tokenId, { arn: keys.arn });
  }

  private async issueFederationToken(
    name: string,
    role: AwsRole,
    ttl: number,
    displayName: string,
    via: string,
    tokenId: string | undefined,
  ): Promise<Reply> {
    const keys = await getFederationToken(this.clients(), {
      name: generatedName(`vault-${displayName}`, 32),
      durationSeconds: ttl,
      policy: role.policy_document,
      policyArns: role.policy_arns,
    });
    return this.stsReply(`${this.mount}/${via}/${name}`, keys, tokenId, {});
  }

  /** STS leases last exactly as long as the STS credentials, cannot be renewed, and revoke as a no-op. */
  private stsReply(
    prefix: string,
    keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date },
    tokenId: string | undefined,
    extra: Record<string, unknown>,
  ): Reply {
    const ttl = keys.expiration ? secondsUntil(keys.expiration.getTime(), Date.now()) : 0;
    const lease = this.leases.add({
      prefix,
      ttlSeconds: ttl,
      maxTtlSeconds: ttl,
      renewable: false,
      tokenId,
      revokeSecret: async () => undefined,
    });
    return ok(
      {
        access_key: keys.accessKeyId,
        secret_key: keys.secretAccessKey,
        security_token: keys.sessionToken ?? null,
        session_token: keys.sessionToken ?? null,
        ...extra,
        ttl,
      },
      { lease: { id: lease.id, renewable: false, durationSeconds: lease.grantedSeconds } },
    );
  }

  /** path_user.go: requested ttl, else default_sts_ttl, else 3600; silently capped at max_sts_ttl or the mount max. */
  private stsTtl(role: AwsRole, raw: unknown): number {
    let requested: number | undefined;
    try {
      requested = parseDurationSeconds(raw);
    } catch (err) {
      throw badRequest(`error converting input ${String(raw)} for field "ttl": ${(err as Error).message}`);
    }
    const ttl = requested || role.default_sts_ttl || 3600;
    const max = role.max_sts_ttl || SYSTEM_MAX_TTL;
    return Math.min(ttl, max);
  }
}

/** A role with several types (the legacy iam_user+federation_token upgrade) resolves by path. */
function credentialTypeFor(role: AwsRole, via: 'creds' | 'sts'): CredentialType {
  if (role.credential_type.length === 1) return role.credential_type[0];
  if (via === 'creds' && role.credential_type.includes('iam_user')) return 'iam_user';
  return role.credential_type.includes('federation_token') ? 'federation_token' : role.credential_type[0];
}

function chooseRoleArn(name: string, role: AwsRole, requested: unknown): string {
  const arn = typeof requested === 'string' ? requested : '';
  if (!arn) {
    if (role.role_arns.length !== 1) throw badRequest('did not supply a role_arn parameter and unable to determine one');
    return role.role_arns[0];
  }
  if (!role.role_arns.includes(arn)) throw badRequest(`role_arn "${arn}" not in allowed role arns for Vault role "${name}"`);
  return arn;
}

function validateRole(role: AwsRole): void {
  const types = role.credential_type;
  const stsCapable = types.includes('assumed_role') || types.includes('federation_token') || types.includes('session_token');
  if (role.default_sts_ttl && !stsCapable) {
    throw badRequest('default_sts_ttl parameter only valid for assumed_role, federation_token, and session_token credential types');
  }
  if (role.max_sts_ttl && !stsCapable) {
    throw badRequest('max_sts_ttl parameter only valid for assumed_role, federation_token, and session_token credential types');
  }
  if (role.mfa_serial_number && !types.includes('session_token')) {
    throw badRequest('mfa_serial_number parameter only valid for session_token credential type');
  }
  if (role.max_sts_ttl && role.default_sts_ttl > role.max_sts_ttl) {
    throw badRequest('default_sts_ttl parameter must be less than or equal to max_sts_ttl');
  }
  if (role.role_arns.length && !types.includes('assumed_role')) {
    throw badRequest("cannot supply role_arns when credential_type isn't assumed_role");
  }
  if (role.user_path && !types.includes('iam_user')) throw badRequest('user_path parameter only valid for iam_user credential type');
  if (role.user_path && !/^\/([\x21-\x7F]{0,510}[\x21-\x7F])?\/$/.test(role.user_path)) {
    throw badRequest('The specified value for user_path is invalid. It must match "^\\/([\\x21-\\x7F]{0,510}[\\x21-\\x7F])?\\/$" regexp');
  }
  if (role.permissions_boundary_arn && !types.includes('iam_user')) {
    throw badRequest('permissions_boundary_arn parameter only valid for iam_user credential type');
  }
}

function compactPolicy(raw: unknown): string {
  if (raw === '' || raw === null) return '';
  try {
    return JSON.stringify(typeof raw === 'string' ? JSON.parse(raw) : raw);
  } catch {
    throw badRequest(`cannot parse policy document: ${JSON.stringify(raw)}`);
  }
}

function parseTags(raw: unknown): Record<string, string> {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
  }
  const tags: Record<string, string> = {};
  for (const pair of toList(raw) ?? []) {
    const [key, ...rest] = pair.split('=');
    tags[key] = rest.join('=');
  }
  return tags;
}

function durationField(body: Record<string, unknown>, field: string): number | undefined {
  try {
    return parseDurationSeconds(body[field]);
  } catch (err) {
    throw badRequest(`error converting input ${String(body[field])} for field "${field}": ${(err as Error).message}`);
  }
}

/** Vault's username template: `<prefix>-<unix time>-<20 random>`, "/" replaced, truncated. */
function generatedName(prefix: string, maxLength: number): string {
  const unix = Math.trunc(Date.now() / 1000);
  return `${prefix}-${unix}-${randomToken('', 20)}`.replace(/[^\w+=,.@-]/g, '_').slice(0, maxLength);
}

/** Go's time.Duration.String() for whole seconds: 1800 → "30m0s". */
export function goDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}
