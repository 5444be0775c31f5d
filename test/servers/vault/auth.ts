// Tokens (root, userpass logins, auth/token/create children), their lifetimes and revocation tree, and the
// auth/* routes: userpass login, lookup-self, renew-self, revoke-self, create.
import { randomBytes, randomUUID } from 'node:crypto';
import { Acl, type PolicyRules } from './acl';
import { type Clock, formatTime, parseDurationSeconds, secondsUntil } from './clock';
import { type Reply, type Route, type VaultRequest, badRequest, none, ok, permissionDenied } from './http';

export interface TokenEntry {
  id: string;
  accessor: string;
  policies: string[];
  displayName: string;
  path: string;
  meta: Record<string, string> | null;
  issueMs: number;
  creationTtl: number;
  explicitMaxTtl: number;
  /** Undefined for tokens that never expire (root). */
  expireMs?: number;
  maxExpireMs?: number;
  lastRenewalMs?: number;
  /** The TTL granted at issue or at the last renewal: the auth response's lease_duration. */
  grantedSeconds: number;
  renewable: boolean;
  parentId?: string;
  entityId: string;
}

export interface UserpassUser {
  password: string;
  policies: string[];
}

export interface TokenSettings {
  /** Default TTL and max TTL of login and created tokens, in seconds (Vault's system default is 768h). */
  ttlSeconds: number;
  maxTtlSeconds: number;
}

export function randomToken(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return prefix + [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

export class TokenStore {
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly everIssued: string[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly settings: TokenSettings,
    /** Revokes everything a token owns (its leases) when the token goes. */
    private readonly onRevoke: (tokenId: string) => Promise<void>,
  ) {}

  issue(init: {
    id?: string;
    policies: string[];
    displayName: string;
    path: string;
    meta?: Record<string, string> | null;
    ttlSeconds?: number;
    explicitMaxTtl?: number;
    renewable?: boolean;
    parentId?: string;
  }): TokenEntry {
    const now = this.clock.now();
    const neverExpires = init.policies.includes('root') && !init.ttlSeconds;
    const maxTtl = Math.min(init.explicitMaxTtl || Infinity, this.settings.maxTtlSeconds);
    const ttl = neverExpires ? 0 : Math.min(init.ttlSeconds || this.settings.ttlSeconds, maxTtl);
    const entry: TokenEntry = {
      id: init.id ?? randomToken('hvs.'),
      accessor: randomToken('', 24),
      policies: [...new Set(init.policies)].sort(),
      displayName: init.displayName,
      path: init.path,
      meta: init.meta ?? null,
      issueMs: now,
      creationTtl: ttl,
      explicitMaxTtl: init.explicitMaxTtl ?? 0,
      expireMs: neverExpires ? undefined : now + ttl * 1000,
      maxExpireMs: neverExpires ? undefined : now + maxTtl * 1000,
      grantedSeconds: ttl,
      renewable: neverExpires ? false : (init.renewable ?? true),
      parentId: init.parentId,
      entityId: neverExpires ? '' : randomUUID(),
    };
    this.tokens.set(entry.id, entry);
    this.everIssued.push(entry.id);
    return entry;
  }

  /** A live token, or undefined when it is unknown, revoked or expired. */
  lookup(id: string | undefined): TokenEntry | undefined {
    const entry = id ? this.tokens.get(id) : undefined;
    if (!entry || (entry.expireMs !== undefined && entry.expireMs <= this.clock.now())) return undefined;
    return entry;
  }

  /** Extends a token by `increment` (default: its creation TTL), never past its max TTL. */
  renew(entry: TokenEntry, incrementSeconds: number | undefined): string[] {
    if (entry.expireMs === undefined || entry.maxExpireMs === undefined) return [];
    if (!entry.renewable) throw badRequest('lease is not renewable');
    const now = this.clock.now();
    const wanted = incrementSeconds || entry.creationTtl;
    entry.expireMs = Math.min(now + wanted * 1000, entry.maxExpireMs);
    entry.grantedSeconds = Math.min(wanted, secondsUntil(entry.maxExpireMs, now));
    entry.lastRenewalMs = now;
    const capped = entry.expireMs < now + wanted * 1000;
    return capped
      ? [
          `TTL of "${wanted}s" exceeded the effective max_ttl of "${secondsUntil(entry.maxExpireMs, now)}s"; TTL value is capped accordingly`,
        ]
      : [];
  }

  /** Revokes a token, its child tokens and (through onRevoke) their leases. */
  async revoke(id: string): Promise<void> {
    const entry = this.tokens.get(id);
    if (!entry) return;
    this.tokens.delete(id);
    const children = [...this.tokens.values()].filter((t) => t.parentId === id);
    await Promise.all(children.map((child) => this.revoke(child.id)));
    await this.onRevoke(id);
  }

  async sweep(): Promise<void> {
    const now = this.clock.now();
    const expired = [...this.tokens.values()].filter((t) => t.expireMs !== undefined && t.expireMs <= now);
    await Promise.all(expired.map((t) => this.revoke(t.id)));
  }

  nextDeadline(): number | undefined {
    const deadlines = [...this.tokens.values()].flatMap((t) => (t.expireMs === undefined ? [] : [t.expireMs]));
    return deadlines.length ? Math.min(...deadlines) : undefined;
  }

  issued(): string[] {
    return [...this.everIssued];
  }
}

export interface AuthOptions {
  clock: Clock;
  tokens: TokenStore;
  users: Record<string, UserpassUser>;
  policies: Record<string, PolicyRules>;
}

/** The gate's token and ACL check: returns the caller's token or throws 403 permission denied. */
export function authorize(options: AuthOptions, req: VaultRequest, route: Route | undefined, tokenId: string | undefined): TokenEntry {
  const token = options.tokens.lookup(tokenId);
  if (!token) throw permissionDenied();
  const acl = new Acl(token.policies, options.policies);
  if (!acl.allows(req.path, req.op, route?.sudo)) throw permissionDenied();
  return token;
}

export function authRoutes(options: AuthOptions): Route[] {
  const { tokens, clock } = options;
  return [
    {
      pattern: /^auth\/userpass\/login\/([^/]+)$/,
      unauthenticated: true,
      write: (req) => login(options, req.params[0], req.body.password),
    },
    { pattern: /^auth\/token\/lookup-self$/, read: (req) => ok(lookupData(req.token!, clock)) },
    { pattern: /^auth\/token\/lookup$/, write: (req) => ok(lookupData(findToken(tokens, req.body.token), clock)) },
    {
      pattern: /^auth\/token\/renew-self$/,
      write: (req) => {
        const warnings = tokens.renew(req.token!, parseDurationSeconds(req.body.increment));
        return { kind: 'envelope', auth: authData(req.token!), warnings };
      },
    },
    {
      pattern: /^auth\/token\/revoke-self$/,
      write: async (req) => {
        await tokens.revoke(req.token!.id);
        return none();
      },
    },
    {
      pattern: /^auth\/token\/revoke$/,
      write: async (req) => {
        await tokens.revoke(findToken(tokens, req.body.token).id);
        return none();
      },
    },
    { pattern: /^auth\/token\/create(-orphan)?$/, write: (req) => createToken(options, req) },
  ];
}

function findToken(tokens: TokenStore, id: unknown): TokenEntry {
  if (typeof id !== 'string' || id === '') throw badRequest('missing token to look up');
  const entry = tokens.lookup(id);
  if (!entry) throw badRequest('bad token');
  return entry;
}

function login(options: AuthOptions, username: string, password: unknown): Reply {
  const user = options.users[username];
  if (!user || typeof password !== 'string' || password !== user.password) throw badRequest('invalid username or password');
  const token = options.tokens.issue({
    policies: ['default', ...user.policies],
    displayName: `userpass-${username}`,
    path: `auth/userpass/login/${username}`,
    meta: { username },
  });
  return { kind: 'envelope', auth: authData(token) };
}

function createToken(options: AuthOptions, req: VaultRequest): Reply {
  const parent = req.token!;
  const body = req.body;
  const parentIsRoot = parent.policies.includes('root');
  const requested = toList(body.policies) ?? parent.policies.filter((p) => p !== 'default');
  if (!parentIsRoot && requested.some((p) => !parent.policies.includes(p))) {
    throw badRequest('child policies must be subset of parent');
  }
  const policies = body.no_default_policy === true || requested.includes('root') ? requested : ['default', ...requested];
  const orphan = req.path.endsWith('-orphan') || (body.no_parent === true && parentIsRoot);
  const displayName = typeof body.display_name === 'string' && body.display_name ? `token-${body.display_name}` : 'token';
  const token = options.tokens.issue({
    id: parentIsRoot && typeof body.id === 'string' && body.id ? body.id : undefined,
    policies,
    displayName,
    path: 'auth/token/create',
    meta: isStringMap(body.meta) ? body.meta : null,
    ttlSeconds: parseDurationSeconds(body.ttl),
    explicitMaxTtl: parseDurationSeconds(body.explicit_max_ttl),
    renewable: body.renewable === undefined ? true : body.renewable !== false,
    parentId: orphan ? undefined : parent.id,
  });
  return { kind: 'envelope', auth: authData(token) };
}

/** The `auth` object of login, create and renew-self responses. */
export function authData(token: TokenEntry): Record<string, unknown> {
  return {
    client_token: token.id,
    accessor: token.accessor,
    policies: token.policies,
    token_policies: token.policies,
    metadata: token.meta,
    lease_duration: token.grantedSeconds,
    renewable: token.renewable,
    entity_id: token.entityId,
    token_type: 'service',
    orphan: token.parentId === undefined,
    mfa_requirement: null,
    num_uses: 0,
  };
}

/**
 * `data` of auth/token/lookup-self, as Vault 1.14 returns it. `issue_time` and `renewable` come from the token's
 * lease (vault/token_store.go handleLookup: set only `if leaseTimes != nil`), and a token that never expires, as
 * the root token, has none: it answers without them.
 */
function lookupData(token: TokenEntry, clock: Clock): Record<string, unknown> {
  const data: Record<string, unknown> = {
    accessor: token.accessor,
    creation_time: Math.trunc(token.issueMs / 1000),
    creation_ttl: token.creationTtl,
    display_name: token.displayName,
    entity_id: token.entityId,
    expire_time: token.expireMs === undefined ? null : formatTime(token.expireMs),
    explicit_max_ttl: token.explicitMaxTtl,
    id: token.id,
    meta: token.meta,
    num_uses: 0,
    orphan: token.parentId === undefined,
    path: token.path,
    policies: token.policies,
    ttl: token.expireMs === undefined ? 0 : secondsUntil(token.expireMs, clock.now()),
    type: 'service',
  };
  if (token.expireMs !== undefined) {
    data.issue_time = formatTime(token.issueMs);
    data.renewable = token.renewable;
  }
  if (token.lastRenewalMs !== undefined) {
    data.last_renewal = formatTime(token.lastRenewalMs);
    data.last_renewal_time = Math.trunc(token.lastRenewalMs / 1000);
  }
  return data;
}

/** Vault accepts lists as JSON arrays or comma-separated strings. */
export function toList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    return value
      .map(String)
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return [String(value)];
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
