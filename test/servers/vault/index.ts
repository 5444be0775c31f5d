// The local HashiCorp Vault for tests and the demo: token, userpass, LDAP and OIDC auth (with an identity
// provider page of its own) and ACL policies, sys/health, sys/mounts, seal, sys/leases, response wrapping, and
// the AWS secrets engine (dynamic and static roles) backed by the local STS/IAM server, all speaking the HTTP
// shapes of Vault's API (https://developer.hashicorp.com/vault/api-docs).
import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY, type PolicyRules, awsDeveloperPolicy } from './acl';
import { type TokenEntry, TokenStore, type UserpassUser, authRoutes, authorize, randomToken } from './auth';
import { AwsEngine, type RoleInput } from './awsEngine';
import { Clock, ExpiryTimer } from './clock';
import { type FailureMode, FailureSwitch, type Route, type VaultRequest, VaultError, listen } from './http';
import { type LdapConfig, ldapRoutes } from './ldap';
import { LeaseStore } from './leases';
import { type OidcConfig, OidcAuth } from './oidc';
import { type StaticRoleInput, StaticRoles } from './staticRoles';
import { type Mount, type SealState, mountEntry, sysRoutes } from './sys';
import { WrapStore } from './wrapping';
import { RequestLog } from '../requestLog';

export type { FailureMode } from './http';
export type { PolicyRules, Capability } from './acl';
export type { OidcConfig, OidcRole, OidcUser } from './oidc';
export type { LdapConfig, LdapUser } from './ldap';
export type { StaticRoleInput } from './staticRoles';

export interface VaultServerOptions {
  /** The local AWS server's URL (serves both IAM and STS). */
  awsEndpoint: string;
  /** 0 or unset: an ephemeral port. */
  port?: number;
  /** The root token's id; a random `hvs.` token by default. */
  rootToken?: string;
  /** aws/config/lease of every AWS mount (default 30m / 1h). */
  leaseTtlSeconds?: number;
  leaseMaxTtlSeconds?: number;
  /** Default and max TTL of userpass and created tokens (default 768h, Vault's system default). */
  tokenTtlSeconds?: number;
  tokenMaxTtlSeconds?: number;
  /** AWS engine mounts, without slashes (default ["aws"]); each gets the same config and roles. */
  awsMounts?: string[];
  /** Roles written to each AWS mount (default DEMO_ROLES). */
  roles?: Record<string, RoleInput>;
  /** Userpass users (default DEMO_USERS). */
  users?: Record<string, UserpassUser>;
  /** The OIDC auth mount, its roles and the people its provider page offers (default DEMO_OIDC). */
  oidc?: OidcConfig;
  /** The LDAP auth mount and its directory (default DEMO_LDAP). */
  ldap?: LdapConfig;
  /** Static roles written to each AWS mount (default DEMO_STATIC_ROLES); their users must exist at IAM. */
  staticRoles?: Record<string, StaticRoleInput>;
  /** ACL policies besides root and default (default: aws-dev for the AWS mounts). */
  policies?: Record<string, PolicyRules>;
  /** The root keys Vault uses at AWS (default: vault-root of the local world). */
  awsAccessKey?: string;
  awsSecretKey?: string;
  awsRegion?: string;
}

export interface VaultServer {
  url: string;
  rootToken: string;
  close(): Promise<void>;
  seal(): void;
  unseal(): void;
  /** Test-only: `health` → 501 and every other path 503 "Vault is not initialized". */
  uninitialize(): void;
  /** Make the next `count` requests (all, if unset) slow, reset or fail; `undefined` clears it. */
  setFailure(mode: FailureMode | undefined, count?: number): void;
  /** Moves the Vault's clock (token and lease expiry) forward; expired leases are revoked at once. */
  advanceClock(ms: number): Promise<void>;
  /** The Vault clock (ms since the epoch): wall time plus every advance. */
  now(): number;
  /** Every token id this server has handed out, root included (for scanning files for leaks). */
  issuedTokens(): string[];
  /** Ids of the leases alive now. */
  leaseIds(): string[];
  /** Test-only: wrap every response (as a proxy adding X-Vault-Wrap-TTL would) for `ttlSeconds`; undefined stops it. */
  forceWrapping(ttlSeconds: number | undefined): void;
  /** Tells when request N arrived or was answered, so tests wait for that instead of a guessed time. */
  requests: RequestLog;
}

export const DEMO_ROLES: Record<string, RoleInput> = {
  's3-full': { credential_type: 'iam_user', policy_arns: ['arn:aws:iam::aws:policy/AmazonS3FullAccess'] },
  'session-mfa': {
    credential_type: 'session_token',
    mfa_serial_number: 'arn:aws:iam::111111111111:mfa/vault-root',
    default_sts_ttl: 900,
    max_sts_ttl: 3600,
  },
  'dev-s3': {
    credential_type: 'assumed_role',
    role_arns: ['arn:aws:iam::222222222222:role/vault/VaultS3'],
    default_sts_ttl: 900,
    max_sts_ttl: 3600,
  },
  federated: {
    credential_type: 'federation_token',
    policy_document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
  },
};

export const DEMO_USERS: Record<string, UserpassUser> = {
  alice: { password: 'alice-password', policies: ['aws-dev'] },
  readonly: { password: 'readonly-password', policies: [] },
};

/**
 * OIDC at auth/oidc: role `dev` allows the vault CLI's loopback callback (any port) and code-server's proxy path,
 * at both loopback names: the demo prints http://127.0.0.1:<port>/ and asExternalUri keeps the page's own host.
 */
export const DEMO_OIDC: OidcConfig = {
  mount: 'oidc',
  default_role: 'dev',
  roles: {
    dev: {
      allowed_redirect_uris: [
        'http://localhost:8250/oidc/callback',
        'http://127.0.0.1:8250/oidc/callback',
        'http://localhost:8080/proxy/8250/oidc/callback',
        'http://localhost:8080/absproxy/8250/oidc/callback',
        'http://127.0.0.1:8080/proxy/8250/oidc/callback',
        'http://127.0.0.1:8080/absproxy/8250/oidc/callback',
      ],
      policies: ['aws-dev'],
    },
  },
  users: {
    'sub-alice': { email: 'alice@example.com', name: 'Alice Example' },
    'sub-dana': { email: 'dana@example.com', name: 'Dana Example' },
  },
};

/** LDAP at auth/ldap: group `aws-developers` maps to the aws-dev policy. */
export const DEMO_LDAP: LdapConfig = {
  mount: 'ldap',
  users: {
    carol: { password: 'carol-ldap-password', groups: ['aws-developers'] },
    erin: { password: 'erin-ldap-password', groups: [] },
  },
  groups: { 'aws-developers': ['aws-dev'] },
};

/** Static role `ci-deployer` adopts the world's IAM user of that name in the central account. */
export const DEMO_STATIC_ROLES: Record<string, StaticRoleInput> = {
  'ci-deployer': { username: 'ci-deployer', rotation_period: 3600 },
};

const VAULT_ROOT_KEYS = { accessKey: 'AKIALOCALVAULT000001', secretKey: 'vaultLocalSecretKey000000000000000000000V' };

export async function startVaultServer(options: VaultServerOptions): Promise<VaultServer> {
  const clock = new Clock();
  const failures = new FailureSwitch();
  const state: SealState = {
    sealed: false,
    initialized: true,
    clusterName: `vault-cluster-${randomUUID().slice(0, 8)}`,
    clusterId: randomUUID(),
  };
  const mountNames = options.awsMounts ?? ['aws'];
  const policies: Record<string, PolicyRules> = { default: DEFAULT_POLICY, 'aws-dev': awsDeveloperPolicy(mountNames), ...options.policies };

  let expiry: ExpiryTimer | undefined;
  const leases = new LeaseStore(clock, () => expiry?.rearm());
  const tokens = new TokenStore(
    clock,
    { ttlSeconds: options.tokenTtlSeconds ?? 768 * 3600, maxTtlSeconds: options.tokenMaxTtlSeconds ?? 768 * 3600 },
    (tokenId) => leases.revokeByToken(tokenId),
  );
  let staticRoles: StaticRoles[] = [];
  const sweep = async () => {
    await tokens.sweep();
    await leases.sweep();
    await Promise.all(staticRoles.map((roles) => roles.rotateDue()));
  };
  expiry = new ExpiryTimer(
    clock,
    () => earliest(tokens.nextDeadline(), leases.nextDeadline(), ...staticRoles.map((r) => r.nextDeadline())),
    sweep,
  );

  const root = tokens.issue({
    id: options.rootToken ?? randomToken('hvs.'),
    policies: ['root'],
    displayName: 'root',
    path: 'auth/token/root',
  });

  const engines = mountNames.map((name) => new AwsEngine(name, leases));
  for (const engine of engines) configureEngine(engine, options);
  staticRoles = engines.map(
    (engine) =>
      new StaticRoles(
        engine.mount,
        clock,
        () => engine.clients(),
        () => expiry?.rearm(),
      ),
  );
  for (const roles of staticRoles) await writeStaticRoles(roles, options.staticRoles ?? DEMO_STATIC_ROLES);
  let baseUrl = '';
  const oidc = new OidcAuth(options.oidc ?? DEMO_OIDC, tokens, clock, () => baseUrl);
  const ldap = options.ldap ?? DEMO_LDAP;
  const wrapping = new WrapStore(clock);

  const secretMounts: Mount[] = [
    ...mountNames.map((name) => mountEntry(`${name}/`, 'aws', 'AWS credentials from the local IAM/STS server')),
    mountEntry('cubbyhole/', 'cubbyhole', 'per-token private secret storage', true),
    mountEntry('identity/', 'identity', 'identity store'),
    mountEntry('sys/', 'system', 'system endpoints used for control, policy and debugging'),
  ];
  const authMounts = [
    mountEntry('token/', 'token', 'token based credentials'),
    mountEntry('userpass/', 'userpass', ''),
    mountEntry(`${oidc.mount}/`, 'oidc', ''),
    mountEntry(`${ldap.mount ?? 'ldap'}/`, 'ldap', ''),
  ];
  const authOptions = { clock, tokens, users: options.users ?? DEMO_USERS, policies };
  const routes: Route[] = [
    ...sysRoutes({ state, clock, leases, secretMounts, authMounts, policies }),
    ...authRoutes(authOptions),
    ...oidc.routes(),
    ...ldapRoutes(ldap, tokens),
    ...wrapping.routes(),
    ...engines.flatMap((engine) => engine.routes()),
    ...staticRoles.flatMap((roles) => roles.routes()),
  ];

  const gate = (req: VaultRequest, route: Route | undefined) => {
    // Expiry also happens on each request, so a moved clock or a late timer never serves a dead token.
    sweep()
      .catch(() => undefined)
      .finally(() => expiry?.rearm());
    if (!state.initialized && !route?.whileUninitialized) throw new VaultError(503, ['Vault is not initialized']);
    if (state.sealed && !route?.whileSealed) throw new VaultError(503, ['Vault is sealed']);
    if (route?.unauthenticated) {
      req.token = tokens.lookup(req.tokenId);
      return;
    }
    req.token = authorize(authOptions, req, route, req.tokenId);
  };

  const requests = new RequestLog();
  const server = await listen({
    requests,
    port: options.port ?? 0,
    routes,
    failures,
    gate,
    isMounted: (path) => secretMounts.some((m) => path.startsWith(m.path)),
    pages: (method, url, rawBody, res) => oidc.servePage(method, url, rawBody, res),
    wrap: (reply, header, path) => wrapping.wrap(reply, header, path),
    controls: {
      failure: (body) => failures.set(FailureSwitch.fromBody(body), body.count === undefined ? undefined : Number(body.count)),
      seal: () => (state.sealed = true),
      unseal: () => (state.sealed = false),
      uninitialize: () => (state.initialized = false),
      initialize: () => (state.initialized = true),
    },
  });

  baseUrl = server.url;
  return {
    url: server.url,
    rootToken: root.id,
    requests,
    close: async () => {
      expiry?.stop();
      await server.close();
    },
    seal: () => (state.sealed = true),
    unseal: () => (state.sealed = false),
    uninitialize: () => (state.initialized = false),
    setFailure: (mode, count) => failures.set(mode, count),
    advanceClock: async (ms) => {
      clock.advance(ms);
      await sweep();
      expiry?.rearm();
    },
    now: () => clock.now(),
    issuedTokens: () => tokens.issued(),
    leaseIds: () => leases.ids(),
    forceWrapping: (ttlSeconds) => (wrapping.forcedTtl = ttlSeconds),
  };
}

function configureEngine(engine: AwsEngine, options: VaultServerOptions): void {
  engine.writeRoot({
    access_key: options.awsAccessKey ?? VAULT_ROOT_KEYS.accessKey,
    secret_key: options.awsSecretKey ?? VAULT_ROOT_KEYS.secretKey,
    region: options.awsRegion ?? 'us-east-1',
    iam_endpoint: options.awsEndpoint,
    sts_endpoint: options.awsEndpoint,
  });
  engine.writeLease({ lease: options.leaseTtlSeconds ?? 1800, lease_max: options.leaseMaxTtlSeconds ?? 3600 });
  for (const [name, role] of Object.entries(options.roles ?? DEMO_ROLES)) engine.writeRole(name, role);
}

/** A static role whose user is missing (another world file) is left out, as Vault refuses to write it. */
async function writeStaticRoles(roles: StaticRoles, inputs: Record<string, StaticRoleInput>): Promise<void> {
  for (const [name, input] of Object.entries(inputs)) await roles.write(name, input).catch(() => undefined);
}

function earliest(...deadlines: (number | undefined)[]): number | undefined {
  const known = deadlines.filter((d): d is number => d !== undefined);
  return known.length ? Math.min(...known) : undefined;
}

export type { TokenEntry };
