import type { Identity } from './session';

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
  // An Invalid Date would throw here (RangeError) and break every new terminal: leave the variable out instead.
  if (credentials.expiration && !Number.isNaN(credentials.expiration.getTime())) {
    // The SDK's env provider reads this (ISO 8601) and refuses expired credentials instead of sending them.
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
