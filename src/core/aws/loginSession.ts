// `aws login` (AWS CLI 2.32+): a `login_session` profile takes its credentials from the console sign-in the CLI
// caches in ~/.aws/login/cache. The SDK's own provider (@aws-sdk/credential-provider-login, through fromIni) reads
// and refreshes that cache; this module only knows where the file is, so a new sign-in is noticed at once, and
// which CLI can sign in.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The first AWS CLI with `aws login`. */
export const LOGIN_CLI_VERSION: readonly [number, number, number] = [2, 32, 0];

/**
 * The cache file of a login session, named as the SDK's LoginCredentialsFetcher names it: the SHA-256 of the
 * session in hex, in $AWS_LOGIN_CACHE_DIRECTORY or ~/.aws/login/cache.
 */
export function loginCacheFile(loginSession: string, env: NodeJS.ProcessEnv = process.env): string {
  const directory = env.AWS_LOGIN_CACHE_DIRECTORY || path.join(os.homedir(), '.aws', 'login', 'cache');
  return path.join(directory, `${createHash('sha256').update(loginSession, 'utf8').digest('hex')}.json`);
}

/**
 * What changes when the CLI signs in again or the SDK refreshes the session: the cache file's modification time
 * and size ('' when there is none). Source credentials remembered under another stamp are stale.
 */
export async function loginCacheStamp(loginSession: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const stat = await fs.stat(loginCacheFile(loginSession, env));
    return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
  } catch {
    return '';
  }
}

/** `aws --version`'s first line (`aws-cli/2.9.19 Python/3.11.2 …`) → [2, 9, 19]; undefined when not the AWS CLI. */
export function parseCliVersion(output: string): [number, number, number] | undefined {
  const match = /^aws-cli\/(\d+)\.(\d+)\.(\d+)/.exec(output.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

export function cliCanLogin(version: readonly [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) {
    if (version[i] !== LOGIN_CLI_VERSION[i]) {
      return version[i] > LOGIN_CLI_VERSION[i];
    }
  }
  return true;
}
