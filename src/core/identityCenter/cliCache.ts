// The AWS CLI's token cache, read only: `aws sso login` writes ~/.aws/sso/cache/<sha1>.json, named after the
// sso-session name (or, for legacy profiles, the start URL), with the fields of the SDK's SSOToken
// (@smithy/core/config getSSOTokenFilepath / getSSOTokenFromFile). A valid token there saves a sign-in; it is never
// refreshed or written here (refreshing would rotate the CLI's own refresh token from under it).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { type IdentityCenterInstance, type IdentityCenterSettings, now } from './instance';
import type { SsoToken } from './tokens';

/** A CLI token this close to its end is left to the CLI (the SDK's own refresh window). */
const MIN_LEFT_MS = 5 * 60 * 1000;

export function cliCacheFile(id: string, home = os.homedir()): string {
  return path.join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(id).digest('hex')}.json`);
}

/** Old botocore wrote `2019-11-14T04:05:45UTC`; the CLI v2 and the SDK write RFC 3339. */
function parseExpiry(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value.replace(/UTC$/, 'Z'));
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The CLI's token for this instance while it has more than five minutes left, else undefined. Tries the
 * sso-session name's file, then the start URL's; a file for another start URL or region is not used. Never throws:
 * an unreadable file is as good as none, and its content is never quoted.
 */
export async function readCliToken(
  instance: IdentityCenterInstance,
  settings: Pick<IdentityCenterSettings, 'now'> = {},
  home = os.homedir(),
): Promise<SsoToken | undefined> {
  const ids = instance.sessionName ? [instance.sessionName, instance.startUrl] : [instance.startUrl];
  for (const id of ids) {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(await readFile(cliCacheFile(id, home), 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    const expiresAt = parseExpiry(data.expiresAt);
    if (typeof data.accessToken !== 'string' || expiresAt === undefined) continue;
    if (typeof data.startUrl === 'string' && data.startUrl !== instance.startUrl) continue;
    if (typeof data.region === 'string' && data.region !== instance.region) continue;
    if (expiresAt - now(settings) <= MIN_LEFT_MS) continue;
    return { accessToken: data.accessToken, expiresAt: new Date(expiresAt).toISOString(), source: 'awsCli' };
  }
  return undefined;
}
