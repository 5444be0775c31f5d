import type { Identity } from '../session';
import { TERMINAL_PROFILE } from './terminalProfile';

/** The variable that names the active identity in a terminal, for prompts and scripts. */
export const ROLE_VARIABLE = 'IAM_SWITCHBOARD_ROLE';

/** Every variable we own in a terminal; anything inherited under these names is replaced or removed. */
export const MANAGED_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  ROLE_VARIABLE,
];

/**
 * Profile variables that would win over the credentials: the JS SDK v3 skips environment credentials when
 * AWS_PROFILE is set (the CLI does not). An empty value breaks the CLI ("config profile () could not be
 * found"), so they can only be removed where a terminal's whole environment is ours (Open Terminal as Role).
 */
export const PROFILE_VARIABLES = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE'];

/** The variables a terminal needs to act as `identity`, as the AWS CLI and SDKs read them. */
export function environmentFor(identity: Identity): Record<string, string> {
  const { credentials } = identity;
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: identity.region,
    AWS_DEFAULT_REGION: identity.region,
    [ROLE_VARIABLE]: identity.arn ?? identity.label,
  };
  if (credentials.sessionToken) {
    env.AWS_SESSION_TOKEN = credentials.sessionToken;
  }
  const renewable = identity.origin.kind === 'vault' && identity.origin.renewable;
  // An Invalid Date would throw here (RangeError) and break every new terminal: leave the variable out instead.
  if (credentials.expiration && !Number.isNaN(credentials.expiration.getTime()) && !renewable) {
    // The SDK's env provider reads this (ISO 8601) and refuses expired credentials instead of sending them. A
    // renewable lease has no fixed end (renewing keeps its keys), so it gets none: a renew changes nothing here.
    env.AWS_CREDENTIAL_EXPIRATION = credentials.expiration.toISOString();
  }
  return env;
}

/**
 * A whole process environment for a terminal that is `identity` and nothing else: the base environment without
 * any inherited AWS credentials or profile, plus the identity's variables.
 */
export function isolatedEnvironment(base: Record<string, string | undefined>, identity: Identity): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !MANAGED_VARIABLES.includes(name) && !PROFILE_VARIABLES.includes(name)) {
      env[name] = value;
    }
  }
  return { ...env, ...environmentFor(identity) };
}

/**
 * Endpoint mode: what the window's environment collection does to every terminal, task and debug launch. It is
 * the same for the whole window whatever the active role (so VS Code never shows its relaunch hint): processes
 * get a token and the generated config, never a key, and ask the endpoint (through the `iam-switchboard`
 * profile's credential_process) at each AWS call.
 */
export interface EnvironmentCollectionChanges {
  /** For `EnvironmentVariableCollection.replace(name, value)`. An empty value hides an inherited variable. */
  replace: Record<string, string>;
  /** For `EnvironmentVariableCollection.prepend(name, value)`. */
  prepend: Record<string, string>;
}

export interface EndpointEnvironmentOptions {
  /** From writeTerminalProfile(). */
  configFile: string;
  /** The endpoint's URL (AWS_CONTAINER_CREDENTIALS_FULL_URI). */
  endpointUrl: string;
  /** The window's following token. */
  followingToken: string;
}

/**
 * Inherited keys would win over the generated profile, so each is blanked (the collection cannot delete a
 * variable; botocore and the JS SDK treat an empty key as unset). Not blanked, measured: an empty
 * AWS_DEFAULT_PROFILE is "config profile () could not be found" in boto3 (it reads that name before AWS_PROFILE),
 * so it is set to our profile too; an empty AWS_REGION is "Region not accepted" in the JS SDK, so the region is
 * left alone: an inherited AWS_REGION (or a pinned terminal's own) wins over the profile's, as in any shell.
 */
const ENDPOINT_BLANKED_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
];

export function endpointEnvironment(options: EndpointEnvironmentOptions): EnvironmentCollectionChanges {
  const replace: Record<string, string> = {
    AWS_CONFIG_FILE: options.configFile,
    AWS_PROFILE: TERMINAL_PROFILE,
    AWS_DEFAULT_PROFILE: TERMINAL_PROFILE,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: options.endpointUrl,
  };
  for (const name of ENDPOINT_BLANKED_VARIABLES) {
    replace[name] = '';
  }
  // Prepended, not replaced: a pinned terminal's own value (its pinned token) stays last, and the endpoint uses
  // the last element ("F,P"); an ordinary terminal gets "F," and so the following token.
  return { replace, prepend: { AWS_CONTAINER_AUTHORIZATION_TOKEN: `${options.followingToken},` } };
}

/**
 * A pinned terminal's own environment (Open Terminal as Role, a Vault lease) when it lets the window's
 * collection apply (strictEnv false): its token, which the collection turns into "F,P", and its region, which
 * the collection leaves alone and which wins over the generated profile's.
 */
export function pinnedEnvironment(token: string, identity: Identity): Record<string, string> {
  return {
    AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
    AWS_REGION: identity.region,
    AWS_DEFAULT_REGION: identity.region,
    [ROLE_VARIABLE]: identity.arn ?? identity.label,
  };
}

/**
 * Open Terminal as Role in endpoint mode: what the terminal's own environment changes over the one VS Code gives
 * every terminal (the person's shell environment, PATH with pyenv shims and all, and `terminal.integrated.env.*`),
 * so that only the credentials differ. `null` removes an inherited variable (TerminalOptions.env). The window's
 * collection still applies on top: the same values, and its "F," before this terminal's token, which the endpoint
 * reads as the last one, P.
 */
export function pinnedTerminalEnvironment(
  endpoint: EndpointEnvironmentOptions,
  token: string,
  identity: Identity,
): Record<string, string | null> {
  const env: Record<string, string | null> = {};
  for (const name of [...MANAGED_VARIABLES, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) {
    env[name] = null;
  }
  for (const [name, value] of Object.entries(endpointEnvironment(endpoint).replace)) {
    env[name] = value === '' ? null : value;
  }
  return { ...env, ...pinnedEnvironment(token, identity) };
}
