// Bench figures for IAM Identity Center (called from bench.ts): discovery of 1,000 accounts × 3 permission sets
// through the SDK against the local Identity Center (server and client share this process, as in the tests), and
// the tree built from the cached directory the next window starts with (parse + catalog, no network).
import { performance } from 'node:perf_hooks';
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
    let directory = await center.discover(); // warm-up: loads the SDK
    const before = sso.stats().portalRequests;
    for (let i = 0; i < (options.discoveryRuns ?? 3); i++) {
      const started = performance.now();
      directory = await center.discover();
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

/** One line per figure, for the bench table. */
export function formatIdentityCenterFigures(f: IdentityCenterFigures): string[] {
  return [
    `Identity Center discovery, ${f.accounts} accounts × ${f.roles / f.accounts} roles (${f.requests} calls): median ${median(f.discoveryMs).toFixed(0)} ms`,
    `Identity Center tree from the cached directory (${(f.cacheBytes / 1024).toFixed(0)} KB): median ${median(f.treeFromCacheMs).toFixed(2)} ms`,
  ];
}

if (require.main === module) {
  identityCenterBench()
    .then((f) => console.log(formatIdentityCenterFigures(f).join('\n')))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
