// Vault ACL policies: path globs with capabilities, merged across a token's policies and matched with
// Vault's priority rules (exact path first, then the most specific glob).
import type { Operation } from './http';

export type Capability = 'read' | 'list' | 'create' | 'update' | 'delete' | 'sudo' | 'deny';

/** One policy: path pattern (`aws/creds/*`, `+` for one segment, trailing `*` for a prefix) → capabilities. */
export type PolicyRules = Record<string, Capability[]>;

/** The built-in `default` policy, trimmed to what this project uses. */
export const DEFAULT_POLICY: PolicyRules = {
  'auth/token/lookup-self': ['read'],
  'auth/token/renew-self': ['update'],
  'auth/token/revoke-self': ['update'],
  'sys/leases/renew': ['update'],
  'sys/leases/lookup': ['update'],
  'sys/capabilities-self': ['update'],
};

/** The demo developer policy for one AWS mount (`aws`), so a second mount gets the same rules. */
export function awsDeveloperPolicy(mounts: string[]): PolicyRules {
  const rules: PolicyRules = {
    'sys/mounts': ['read'],
    'sys/leases/renew': ['update'],
    'sys/leases/renew/*': ['update'],
    'sys/leases/revoke': ['update'],
    'sys/leases/revoke/*': ['update'],
    'sys/leases/lookup': ['update'],
    'sys/leases/lookup/*': ['update'],
  };
  for (const mount of mounts) {
    rules[`${mount}/creds/*`] = ['read'];
    rules[`${mount}/sts/*`] = ['read', 'update'];
    rules[`${mount}/roles`] = ['list', 'read'];
    rules[`${mount}/roles/*`] = ['list', 'read'];
    rules[`${mount}/static-roles`] = ['list', 'read'];
    rules[`${mount}/static-roles/*`] = ['list', 'read'];
    rules[`${mount}/static-creds/*`] = ['read'];
  }
  return rules;
}

interface CompiledRule {
  pattern: string;
  regex: RegExp;
  capabilities: Set<Capability>;
}

/** The merged rules of a token's policies, as Vault builds one ACL per request. */
export class Acl {
  private readonly rules: CompiledRule[];
  readonly isRoot: boolean;

  constructor(policyNames: string[], policies: Record<string, PolicyRules>) {
    this.isRoot = policyNames.includes('root');
    const merged = new Map<string, Set<Capability>>();
    for (const name of policyNames) {
      for (const [pattern, capabilities] of Object.entries(policies[name] ?? {})) {
        const set = merged.get(pattern) ?? new Set<Capability>();
        capabilities.forEach((c) => set.add(c));
        merged.set(pattern, set);
      }
    }
    this.rules = [...merged].map(([pattern, capabilities]) => ({ pattern, regex: globToRegex(pattern), capabilities }));
  }

  allows(path: string, op: Operation, sudo = false): boolean {
    if (this.isRoot) return true;
    const capabilities = this.capabilitiesFor(path);
    if (capabilities.has('deny')) return false;
    return capabilities.has(op) && (!sudo || capabilities.has('sudo'));
  }

  capabilitiesFor(path: string): Set<Capability> {
    const matching = this.rules.filter((r) => r.regex.test(path));
    const exact = matching.find((r) => r.pattern === path);
    const best = exact ?? matching.sort(comparePriority)[0];
    return best?.capabilities ?? new Set();
  }

  /** Whether any rule grants something under `prefix` (used to filter the mounts a token may see). */
  reaches(prefix: string): boolean {
    if (this.isRoot) return true;
    return this.rules.some((r) => !r.capabilities.has('deny') && (r.pattern.startsWith(prefix) || r.regex.test(prefix)));
  }
}

function globToRegex(pattern: string): RegExp {
  const prefix = pattern.endsWith('*');
  const body = prefix ? pattern.slice(0, -1) : pattern;
  const source = body
    .split('/')
    .map((segment) => (segment === '+' ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}${prefix ? '.*' : ''}$`);
}

/** Vault's glob priority: later first wildcard, no trailing `*`, fewer `+`, longer, then lexically larger wins. */
function comparePriority(a: CompiledRule, b: CompiledRule): number {
  const firstWildcard = (p: string) => {
    const indexes = [p.indexOf('+'), p.indexOf('*')].filter((i) => i >= 0);
    return indexes.length ? Math.min(...indexes) : p.length;
  };
  const plusCount = (p: string) => p.split('/').filter((s) => s === '+').length;
  return (
    firstWildcard(b.pattern) - firstWildcard(a.pattern) ||
    Number(a.pattern.endsWith('*')) - Number(b.pattern.endsWith('*')) ||
    plusCount(a.pattern) - plusCount(b.pattern) ||
    b.pattern.length - a.pattern.length ||
    (a.pattern < b.pattern ? 1 : -1)
  );
}
