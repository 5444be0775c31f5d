// `aws login` (AWS CLI 2.32+): a `login_session` profile takes its credentials from the console sign-in the CLI
// caches in ~/.aws/login/cache. The SDK's own provider (@aws-sdk/credential-provider-login, through fromIni) reads
// and refreshes that cache; this module only knows where the file is, so a new sign-in is noticed at once, and
// which CLI can sign in.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../userError';

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

/** The AWS CLI's version as `aws --version` prints it (on stdout, or stderr for old ones); undefined when it won't run. */
export async function awsCliVersion(command = 'aws', timeoutMs = 10_000): Promise<[number, number, number] | undefined> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(command, ['--version'], { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      resolve(error ? undefined : parseCliVersion(String(stdout).trim() || String(stderr)));
    });
  });
}

/** Why `aws login` cannot run here, in one sentence; undefined when it can. */
export function loginCliProblem(version: readonly [number, number, number] | undefined): string | undefined {
  if (version && cliCanLogin(version)) {
    return undefined;
  }
  const found = version ? `AWS CLI ${version.join('.')} is installed` : 'no AWS CLI was found on PATH';
  return `Signing in with console credentials needs AWS CLI ${LOGIN_CLI_VERSION.slice(0, 2).join('.')} or later and ${found}: install the latest AWS CLI version 2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html), then try again.`;
}

/** Profile names that need no quoting on any shell's command line. */
const SAFE_PROFILE = /^[A-Za-z0-9_.@+-]{1,64}$/;

/**
 * The terminal program that runs `aws login --profile <profile>` for the person: against their own config file
 * (where the CLI records login_session), with no profile or credential endpoint inherited from the window's
 * terminal environment. Nothing secret is on it: a profile name and a path.
 */
export function consoleLoginCommand(
  profile: string,
  personConfigPath: string,
  platform: NodeJS.Platform = process.platform,
): { shellPath: string; shellArgs: string[] } {
  if (!SAFE_PROFILE.test(profile)) {
    throw new UserError(
      `'${profile.slice(0, 40)}' is not a profile name this can sign in: use letters, digits and - _ . @ + only.`,
      'InvalidProfileName',
    );
  }
  const login = ['login', '--profile', profile];
  const unset = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'];
  if (platform === 'win32') {
    const sets = [`set "AWS_CONFIG_FILE=${personConfigPath}"`, ...unset.map((name) => `set "${name}="`)];
    return { shellPath: 'cmd.exe', shellArgs: ['/d', '/c', [...sets, `aws ${login.join(' ')}`].join(' && ')] };
  }
  return {
    shellPath: '/usr/bin/env',
    shellArgs: [...unset.flatMap((name) => ['-u', name]), `AWS_CONFIG_FILE=${personConfigPath}`, 'aws', ...login],
  };
}
