// Every account and permission set the signed-in person has: ListAccounts (all pages), then ListAccountRoles for
// each account (all pages), a few accounts at a time, every call paced to the portal's request quota (pacing.ts):
// an organisation of hundreds of accounts takes about calls / 20 seconds and gets no 429 on the way. Throttling
// (TooManyRequestsException) that still comes pauses every call and is retried with jittered exponential backoff
// (or after the Retry-After the service sent); the service's 5xx answers are retried the same way.
import { setTimeout as delay } from 'node:timers/promises';
import { cancelled } from '../userError';
import { type PortalSession, portalSession, retryAfterOf, serviceErrorOf } from './clients';
import { type IdentityCenterInstance, type IdentityCenterSettings, now } from './instance';
import type { Directory, DirectoryAccount } from './directory';
import { PORTAL_REQUESTS_PER_SECOND, RequestPacer, backoff } from './pacing';

export interface DiscoveryOptions {
  /** Accounts whose roles are listed at once; default 8. */
  concurrency?: number;
  /** Page size asked for (max_result); default 100 accounts, 100 roles. */
  pageSize?: number;
  /** First backoff step; default 500 ms (then 1 s, 2 s, … capped at 20 s; half of each for sure, half at random). */
  backoffBaseMs?: number;
  /** The longest wait after an error, a server's Retry-After included; default 20 s. */
  maxBackoffMs?: number;
  /** The portal's request quota to pace to; default 20 a second, the rate organisations of hundreds of accounts run into (issue 23). */
  requestsPerSecond?: number;
  /** Attempts per request before giving up; default 8. */
  maxAttempts?: number;
  /** Accounts done so far, for a progress notification. */
  onProgress?: (done: number, total: number) => void;
  /** Each account once its permission sets are listed (a copy), so a tree can show them as they arrive. */
  onAccount?: (account: DirectoryAccount) => void;
}

const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException']);
const RETRYABLE = new Set([...THROTTLING, 'InternalServerException', 'ServiceUnavailableException']);
const MAX_BACKOFF_MS = 20_000;

interface DiscoveryStats {
  requests: number;
  retries: number;
}

/** Lists everything the token may see. The token is used, never kept. */
export async function discover(
  instance: IdentityCenterInstance,
  accessToken: string,
  settings: IdentityCenterSettings,
  options: DiscoveryOptions = {},
): Promise<Directory & { stats: DiscoveryStats }> {
  const portal = await portalSession(instance, settings);
  try {
    return await discoverWith(portal, instance, accessToken, settings, options);
  } finally {
    portal.close();
  }
}

async function discoverWith(
  portal: PortalSession,
  instance: IdentityCenterInstance,
  accessToken: string,
  settings: IdentityCenterSettings,
  options: DiscoveryOptions,
): Promise<Directory & { stats: DiscoveryStats }> {
  const stats: DiscoveryStats = { requests: 0, retries: 0 };
  const pacer = new RequestPacer(options.requestsPerSecond ?? PORTAL_REQUESTS_PER_SECOND);
  const retrying = <T>(call: () => Promise<T>) => withBackoff(call, pacer, options, settings.signal, stats);
  const pageSize = options.pageSize ?? 100;
  const accounts: DirectoryAccount[] = [];
  let nextToken: string | undefined;
  do {
    const page = await retrying(() =>
      portal.call({
        ctx: { action: 'ListAccounts' },
        run: (c, sdk, abortSignal) =>
          c.send(new sdk.ListAccountsCommand({ accessToken, nextToken, maxResults: pageSize }), { abortSignal }),
      }),
    );
    for (const a of page.accountList ?? []) {
      if (a.accountId) accounts.push({ id: a.accountId, name: a.accountName ?? a.accountId, email: a.emailAddress, roles: [] });
    }
    nextToken = page.nextToken || undefined;
  } while (nextToken);

  let done = 0;
  await eachLimited(accounts, options.concurrency ?? 8, async (account) => {
    account.roles = await listRoles(portal, accessToken, account.id, pageSize, retrying);
    options.onAccount?.({ ...account, roles: [...account.roles] });
    options.onProgress?.(++done, accounts.length);
  });
  accounts.sort((a, b) => compare(a.name.toLowerCase(), b.name.toLowerCase()) || compare(a.id, b.id));
  return { startUrl: instance.startUrl, region: instance.region, fetchedAt: new Date(now(settings)).toISOString(), accounts, stats };
}

async function listRoles(
  portal: PortalSession,
  accessToken: string,
  accountId: string,
  pageSize: number,
  retrying: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<string[]> {
  const roles: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await retrying(() =>
      portal.call({
        ctx: { action: 'ListAccountRoles', accountId },
        run: (c, sdk, abortSignal) =>
          c.send(new sdk.ListAccountRolesCommand({ accessToken, accountId, nextToken, maxResults: pageSize }), { abortSignal }),
      }),
    );
    for (const r of page.roleList ?? []) if (r.roleName) roles.push(r.roleName);
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return roles.sort(compare);
}

async function withBackoff<T>(
  call: () => Promise<T>,
  pacer: RequestPacer,
  options: DiscoveryOptions,
  signal: AbortSignal | undefined,
  stats: DiscoveryStats,
): Promise<T> {
  const base = options.backoffBaseMs ?? 500;
  const attempts = options.maxAttempts ?? 8;
  const capMs = options.maxBackoffMs ?? MAX_BACKOFF_MS;
  for (let attempt = 1; ; attempt++) {
    await pacer.take(signal);
    stats.requests += 1;
    try {
      const result = await call();
      pacer.succeeded();
      return result;
    } catch (error) {
      const name = serviceErrorOf(error) ?? '';
      if (!RETRYABLE.has(name) || attempt >= attempts) throw error;
      stats.retries += 1;
      const { sharedMs, ownMs } = backoff(attempt, base, capMs);
      // Capped: a Retry-After of an hour would pause every call, and the progress notification, for that hour.
      // Within the cap, discovery ends, or fails after its attempts with the service's sentence.
      const waitMs = Math.min(retryAfterOf(error) ?? sharedMs, capMs);
      // Throttling is about everyone's calls: all of them wait. A 5xx is this call's own.
      if (THROTTLING.has(name)) pacer.throttled(waitMs);
      await sleep(waitMs + ownMs, signal);
    }
  }
}

async function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw cancelled();
  }
}

/** Runs `work` on every item with at most `limit` running at once; the first failure stops new work and is thrown. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
