// sys/* routes: health and seal status (raw bodies, not the envelope), seal/unseal, the mount table, and
// sys/leases/{lookup,renew,revoke} with Vault 1.14's exact errors.
import { randomUUID } from 'node:crypto';
import { Acl, type PolicyRules } from './acl';
import { type Clock, formatTime, parseDurationSeconds, secondsUntil } from './clock';
import { type Reply, type Route, type VaultRequest, VaultError, badRequest, none, ok } from './http';
import type { LeaseStore } from './leases';

export const VAULT_VERSION = '1.14.8';

export interface SealState {
  sealed: boolean;
  initialized: boolean;
  readonly clusterName: string;
  readonly clusterId: string;
}

export interface Mount {
  path: string;
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  local: boolean;
}

export function mountEntry(path: string, type: string, description: string, local = false): Mount {
  return { path, type, description, local, accessor: `${type}_${randomUUID().slice(0, 8)}`, uuid: randomUUID() };
}

export interface SysOptions {
  state: SealState;
  clock: Clock;
  leases: LeaseStore;
  secretMounts: Mount[];
  authMounts: Mount[];
  policies: Record<string, PolicyRules>;
}

export function sysRoutes(options: SysOptions): Route[] {
  const { state, leases, clock } = options;
  return [
    { pattern: /^sys\/health$/, unauthenticated: true, whileSealed: true, whileUninitialized: true, read: (req) => health(state, req) },
    { pattern: /^sys\/seal-status$/, unauthenticated: true, whileSealed: true, read: () => sealStatus(state) },
    {
      pattern: /^sys\/unseal$/,
      unauthenticated: true,
      whileSealed: true,
      // Test convenience: any key unseals at once.
      write: () => {
        state.sealed = false;
        return sealStatus(state);
      },
    },
    {
      pattern: /^sys\/seal$/,
      sudo: true,
      write: () => {
        state.sealed = true;
        return none();
      },
    },
    { pattern: /^sys\/mounts$/, read: () => mountsReply(options.secretMounts) },
    { pattern: /^sys\/internal\/ui\/mounts$/, unauthenticated: true, read: (req) => uiMounts(options, req) },
    { pattern: /^sys\/leases\/lookup$/, write: (req) => lookupLease(leases, clock, req.body.lease_id) },
    { pattern: /^sys\/leases\/lookup\/(.*)$/, sudo: true, list: (req) => listLeases(leases, req.params[0]) },
    { pattern: /^sys\/(?:leases\/)?renew(?:\/(.+))?$/, write: (req) => renewLease(leases, req) },
    { pattern: /^sys\/(?:leases\/)?revoke(?:\/(.+))?$/, write: (req) => revokeLease(leases, req) },
  ];
}

/** sys/health: codes 200/503/501 unless overridden by the query (activecode, sealedcode, uninitcode). */
function health(state: SealState, req: VaultRequest): Reply {
  const code = (name: string, fallback: number) => (req.query.has(name) ? Number(req.query.get(name)) : fallback);
  const status = !state.initialized ? code('uninitcode', 501) : state.sealed ? code('sealedcode', 503) : code('activecode', 200);
  const body: Record<string, unknown> = {
    initialized: state.initialized,
    sealed: state.sealed || !state.initialized,
    standby: !state.initialized,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.trunc(Date.now() / 1000),
    version: VAULT_VERSION,
  };
  // Vault omits the cluster identity while sealed.
  if (state.initialized && !state.sealed) Object.assign(body, { cluster_name: state.clusterName, cluster_id: state.clusterId });
  return { kind: 'raw', status, body };
}

function sealStatus(state: SealState): Reply {
  const body: Record<string, unknown> = {
    type: 'shamir',
    initialized: state.initialized,
    sealed: state.sealed || !state.initialized,
    t: 1,
    n: 1,
    progress: 0,
    nonce: '',
    version: VAULT_VERSION,
    build_date: '2024-01-01T00:00:00Z',
    migration: false,
    recovery_seal: false,
    storage_type: 'inmem',
  };
  if (!state.sealed && state.initialized) Object.assign(body, { cluster_name: state.clusterName, cluster_id: state.clusterId });
  return { kind: 'raw', body };
}

function mountJson(mount: Mount): Record<string, unknown> {
  return {
    accessor: mount.accessor,
    config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
    description: mount.description,
    external_entropy_access: false,
    local: mount.local,
    options: null,
    plugin_version: '',
    running_plugin_version: `v${VAULT_VERSION}+builtin.vault`,
    running_sha256: '',
    seal_wrap: false,
    type: mount.type,
    uuid: mount.uuid,
  };
}

function mountMap(mounts: Mount[]): Record<string, unknown> {
  return Object.fromEntries(mounts.map((m) => [m.path, mountJson(m)]));
}

/** sys/mounts: real Vault puts the mount table both in `data` and at the top level. */
function mountsReply(mounts: Mount[]): Reply {
  const table = mountMap(mounts);
  return ok(table, { topLevel: table });
}

/** sys/internal/ui/mounts: what the UI and CLI use; shows only mounts the token's policies reach. */
function uiMounts(options: SysOptions, req: VaultRequest): Reply {
  const acl = req.token ? new Acl(req.token.policies, options.policies) : undefined;
  const visible = (m: Mount) => acl?.reaches(m.path) ?? false;
  return ok({ secret: mountMap(options.secretMounts.filter(visible)), auth: acl ? mountMap(options.authMounts) : {} });
}

function leaseIdFrom(req: VaultRequest): string {
  const fromBody = typeof req.body.lease_id === 'string' ? req.body.lease_id : '';
  const id = fromBody || (req.params[0] ?? '');
  if (!id) throw badRequest('lease_id must be specified');
  return id;
}

function lookupLease(leases: LeaseStore, clock: Clock, rawId: unknown): Reply {
  const id = typeof rawId === 'string' ? rawId : '';
  if (!id) throw badRequest('lease_id must be specified');
  const lease = leases.lookup(id);
  if (!lease) throw badRequest('invalid lease');
  return ok({
    id: lease.id,
    issue_time: formatTime(lease.issueMs),
    expire_time: formatTime(lease.expireMs),
    last_renewal: lease.lastRenewalMs === undefined ? null : formatTime(lease.lastRenewalMs),
    renewable: lease.renewable,
    ttl: secondsUntil(lease.expireMs, clock.now()),
  });
}

function listLeases(leases: LeaseStore, prefix: string): Reply {
  const keys = new Set<string>();
  for (const id of leases.ids()) {
    if (!id.startsWith(prefix)) continue;
    const rest = id.slice(prefix.length);
    const slash = rest.indexOf('/');
    keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  if (keys.size === 0) throw new VaultError(404, []);
  return ok({ keys: [...keys].sort() });
}

function renewLease(leases: LeaseStore, req: VaultRequest): Reply {
  const id = leaseIdFrom(req);
  if (id.startsWith('auth/')) throw badRequest('tokens cannot be renewed through this endpoint');
  let increment: number | undefined;
  try {
    increment = parseDurationSeconds(req.body.increment);
  } catch (err) {
    throw badRequest(`error converting input for field "increment": ${(err as Error).message}`);
  }
  const { lease, warnings } = leases.renew(id, increment);
  return {
    kind: 'envelope',
    data: null,
    lease: { id: lease.id, renewable: lease.renewable, durationSeconds: lease.grantedSeconds },
    warnings,
  };
}

/** sync defaults to true (204); sync=false answers 202 and revokes in the background. */
async function revokeLease(leases: LeaseStore, req: VaultRequest): Promise<Reply> {
  const id = leaseIdFrom(req);
  const sync = req.body.sync !== false && req.body.sync !== 'false';
  if (!sync) {
    leases.revoke(id).catch(() => undefined);
    return none(202);
  }
  try {
    await leases.revoke(id);
  } catch (err) {
    const message = err instanceof VaultError ? err.errors.join('; ') : (err as Error).message;
    throw new VaultError(500, [`failed to revoke entry: resp: (*logical.Response)(nil) err: ${message}`]);
  }
  return none();
}
