// Bench figures for IAM Identity Center (called from bench.ts): discovery of 1,000 accounts × 3 permission sets
// through the SDK against the local Identity Center (server and client share this process, as in the tests), and
// the tree built from the cached directory the next window starts with (parse + catalog, no network).
import { performance } from 'node:perf_hooks';
import { UserError } from '../../src/core/userError';
import { type DeviceCode, IdentityCenter, directoryCatalog, parseDirectory } from '../../src/core/identityCenter';
import { buildCatalog } from '../../src/core/catalog/roleCatalog';
import { startAwsServer } from '../servers/aws';
import { startSsoServer } from '../servers/sso';
import { MemorySecrets, approveOnPage, instanceOf, settingsFor } from '../support/identityCenter';

export interface IdentityCenterFigures {
  accounts: number;
  roles: number;
  /** ListAccounts + ListAccountRoles calls of one discovery. */
  requests: number;
  discoveryMs: number[];
  /** JSON text of the cached directory, as globalState would keep it. */
  cacheBytes: number;
  treeFromCacheMs: number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function identityCenterBench(
  options: { accounts?: number; discoveryRuns?: number; treeRuns?: number } = {},
): Promise<IdentityCenterFigures> {
  const aws = await startAwsServer();
  const sso = await startSsoServer({ identities: aws.identities, generatedAccounts: options.accounts ?? 1000 });
  try {
    const center = new IdentityCenter(instanceOf(sso), new MemorySecrets(), settingsFor(sso), { useAwsCliCache: false });
    let code: DeviceCode | undefined;
    await center.signIn({
      onCode: (c) => void (code = c),
      sleep: async (ms) => {
        sso.advanceClock(ms);
        await approveOnPage(code!);
      },
    });

    const discoveryMs: number[] = [];
    // The server enforces no quota here: this is the client's own cost (the quota figure is identityCenterQuotaBench).
    const unpaced = { requestsPerSecond: Infinity };
    let directory = await center.discover(unpaced); // warm-up: loads the SDK
    const before = sso.stats().portalRequests;
    for (let i = 0; i < (options.discoveryRuns ?? 3); i++) {
      const started = performance.now();
      directory = await center.discover(unpaced);
      discoveryMs.push(performance.now() - started);
    }
    const requests = (sso.stats().portalRequests - before) / discoveryMs.length;

    const stored = JSON.stringify(directory);
    const treeFromCacheMs: number[] = [];
    let roles = 0;
    for (let i = 0; i < (options.treeRuns ?? 30); i++) {
      const started = performance.now();
      const parsed = parseDirectory(JSON.parse(stored))!;
      const { roles: ssoRoles, accounts } = directoryCatalog(parsed);
      roles = buildCatalog({ profiles: new Map(), identityCenterRoles: ssoRoles, identityCenterAccounts: accounts }).roles.length;
      treeFromCacheMs.push(performance.now() - started);
    }
    return { accounts: directory.accounts.length, roles, requests, discoveryMs, cacheBytes: Buffer.byteLength(stored), treeFromCacheMs };
  } finally {
    await sso.close();
    await aws.close();
  }
}

export interface QuotaFigures {
  accounts: number;
  perSecond: number;
  /** Portal calls one complete discovery makes (ListAccounts pages + one ListAccountRoles per account). */
  calls: number;
  /** calls / perSecond: no client can finish sooner than that (the server's initial burst aside). */
  floorMs: number;
  ms: number;
  /** Undefined when discovery finished; else the error code it ended with. */
  error?: string;
  /** Accounts whose roles were listed when it ended. */
  accountsDone: number;
  overQuota: number;
  maxAcceptedPerSecond: number;
}

/**
 * Discovery of a big organisation (665 accounts × 3 permission sets, as in issue 23) against the local Identity
 * Center enforcing the portal's quota (20 requests/s): how long it takes against the quota's floor, or where it fails.
 */
export async function identityCenterQuotaBench(options: { accounts?: number; perSecond?: number } = {}): Promise<QuotaFigures> {
  const accounts = options.accounts ?? 665;
  const perSecond = options.perSecond ?? 20;
  const aws = await startAwsServer();
  const sso = await startSsoServer({ identities: aws.identities, generatedAccounts: accounts });
  try {
    const center = new IdentityCenter(instanceOf(sso), new MemorySecrets(), settingsFor(sso), { useAwsCliCache: false });
    let code: DeviceCode | undefined;
    await center.signIn({
      onCode: (c) => void (code = c),
      sleep: async (ms) => {
        sso.advanceClock(ms);
        await approveOnPage(code!);
      },
    });
    sso.setQuota({ perSecond });
    const calls = Math.ceil(accounts / 100) + accounts;
    let accountsDone = 0;
    let error: string | undefined;
    const started = performance.now();
    try {
      await center.discover({ onProgress: (done) => void (accountsDone = done) });
    } catch (e) {
      error = e instanceof UserError ? (e.code ?? e.message) : String(e);
    }
    const ms = performance.now() - started;
    const stats = sso.stats();
    return {
      accounts,
      perSecond,
      calls,
      floorMs: (calls / perSecond) * 1000,
      ms,
      error,
      accountsDone,
      overQuota: stats.overQuota,
      maxAcceptedPerSecond: sso.maxAcceptedPerSecond(),
    };
  } finally {
    await sso.close();
    await aws.close();
  }
}

export function formatQuotaFigures(f: QuotaFigures): string {
  const outcome = f.error ? `failed (${f.error}) at ${f.accountsDone} of ${f.accounts} accounts` : 'finished';
  return `Identity Center discovery under the quota (${f.perSecond}/s), ${f.accounts} accounts × 3 (${f.calls} calls): ${outcome} in ${(f.ms / 1000).toFixed(1)} s, ${(f.ms / f.floorMs).toFixed(2)}× the floor of ${(f.floorMs / 1000).toFixed(1)} s; ${f.overQuota} answered 429; at most ${f.maxAcceptedPerSecond} accepted in a second`;
}

/** One line per figure, for the bench table. */
export function formatIdentityCenterFigures(f: IdentityCenterFigures): string[] {
  return [
    `Identity Center discovery, ${f.accounts} accounts × ${f.roles / f.accounts} roles (${f.requests} calls): median ${median(f.discoveryMs).toFixed(0)} ms`,
    `Identity Center tree from the cached directory (${(f.cacheBytes / 1024).toFixed(0)} KB): median ${median(f.treeFromCacheMs).toFixed(2)} ms`,
  ];
}

if (require.main === module) {
  // `node out/test/bench/identityCenter.js quota`: the quota figure alone (about 35 s).
  const quotaOnly = process.argv[2] === 'quota';
  (quotaOnly
    ? identityCenterQuotaBench().then((f) => [formatQuotaFigures(f)])
    : identityCenterBench().then((f) => formatIdentityCenterFigures(f))
  )
    .then((lines) => console.log(lines.join('\n')))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
